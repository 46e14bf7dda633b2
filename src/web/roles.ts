/**
 * How the captions treat each semantic factor, as the page's chips show it:
 * mentioned (in I_θ, not perturbed), mentioned but often wrong (in I_ρ), or
 * omitted (not in I_θ). Clicking a chip cycles through the three.
 */
export type FactorRole = 'kept' | 'perturbed' | 'omitted';

const NEXT: Record<FactorRole, FactorRole> = { kept: 'perturbed', perturbed: 'omitted', omitted: 'kept' };

export function cycleRole(role: FactorRole): FactorRole {
  return NEXT[role];
}

/** Roles for ns factors: the previous ones where they exist; new ones start as the first half mentioned, the rest omitted. */
export function defaultRoles(ns: number, previous: readonly FactorRole[] = []): FactorRole[] {
  return Array.from({ length: ns }, (_, i) => previous[i] ?? (i < Math.ceil(ns / 2) ? 'kept' : 'omitted'));
}

/** I_θ and I_ρ (1-based) of the roles. */
export function captionSets(roles: readonly FactorRole[]): { select: number[]; perturb: number[] } {
  const select: number[] = [];
  const perturb: number[] = [];
  roles.forEach((role, i) => {
    if (role !== 'omitted') select.push(i + 1);
    if (role === 'perturbed') perturb.push(i + 1);
  });
  return { select, perturb };
}

/** Roles from an address's `select` and `perturb` lists ("1,3"), or null when it names neither. */
export function rolesFromQuery(ns: number, query: URLSearchParams): FactorRole[] | null {
  if (!query.has('select') && !query.has('perturb')) return null;
  const list = (key: string) =>
    new Set(
      (query.get(key) ?? '')
        .split(',')
        .filter((v) => v.trim() !== '')
        .map(Number),
    );
  const select = query.has('select') ? list('select') : new Set(Array.from({ length: ns }, (_, i) => i + 1));
  const perturb = list('perturb');
  return Array.from({ length: ns }, (_, i) => (perturb.has(i + 1) ? 'perturbed' : select.has(i + 1) ? 'kept' : 'omitted'));
}
