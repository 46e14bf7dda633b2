// xkcd-colors ships no types: its CommonJS export is { colors: [{ name, hex, rgb, ... }], get_color }.
declare module 'xkcd-colors' {
  const xkcd: { colors: { name: string; clean_name: string; hex: string; rgb: [number, number, number] }[] };
  export default xkcd;
}
