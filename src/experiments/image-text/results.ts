/**
 * The image-text experiments' kind of results (results.ts), shared by MPI3D
 * and Causal3DIdent: MCC (discrete factors) or R² (continuous ones) of every
 * factor from the image and the text embedding (docs/evaluation.md#verdicts).
 *
 *   summary.json             `imageText` cells, `imageTextAgreement`, `imageTextGrids`
 *   summary_image_text.csv   the cells, one per row (when there are some)
 *   misalign sweep           the agreement, over all and per grid
 *   report                   the agreement, the cells on the wrong side, and one
 *                            heatmap per (grid, embedding, probe) (Figs. 5, 6)
 */
import { IMAGE_TEXT_DROPPED_MAX, IMAGE_TEXT_KEPT_MIN } from '../../probes/verdicts.js';
import { fmt, shareOf, type HeatmapPanel, type ReportBlock, type ResultCell, type ResultGroup, type ResultKind } from '../results.js';

/** A cell as summary.json and summary_image_text.csv have always written image-text cells (no dependence). */
function imageTextRow(c: ResultCell): Record<string, unknown> {
  return {
    grid: c.grid,
    setting: c.setting,
    encoding: c.encoding,
    factor: c.factor,
    metric: c.metric,
    seeds: c.seeds,
    linearMean: c.linearMean,
    linearSd: c.linearSd,
    nonlinearMean: c.nonlinearMean,
    nonlinearSd: c.nonlinearSd,
    predicted: c.predicted,
    verdict: c.verdict,
  };
}

/**
 * One heatmap per (grid, embedding, probe): per grid, nonlinear before linear, image before text.
 * Rows: the factors in the order of the first cells (MPI3D's: color … vertical; Causal3D's: the
 * discrete factors, then the continuous ones); columns: the levels in grid order; cells: mean MCC
 * (discrete factors) or R² (continuous ones), the tooltip says which.
 */
export function imageTextHeatmaps(cells: readonly ResultCell[]): HeatmapPanel[] {
  const grids = [...new Set(cells.map((c) => c.grid))];
  return grids.flatMap((grid) =>
    (['nonlinear', 'linear'] as const).flatMap((probe) =>
      (['image', 'text'] as const)
        .filter((encoding) => cells.some((c) => c.grid === grid && c.encoding === encoding))
        .map((encoding): HeatmapPanel => {
          const mine = cells.filter((c) => c.grid === grid && c.encoding === encoding);
          const metrics = [...new Set(mine.map((c) => (c.metric === 'mcc' ? 'MCC' : 'R²')))].join(' / ');
          return {
            name: `${grid}-${encoding}-${probe}`.replace(/[^\w.-]+/g, '_'),
            title: `${encoding} embedding: ${probe} ${metrics}`,
            subtitle: `grid: ${grid}`,
            values: mine.map((c) => ({
              setting: c.setting,
              factor: c.factor,
              value: probe === 'linear' ? c.linearMean : c.nonlinearMean,
              sd: probe === 'linear' ? c.linearSd : c.nonlinearSd,
              metric: c.metric === 'mcc' ? 'MCC' : 'R²',
              seeds: c.seeds,
              predicted: c.predicted,
              verdict: c.verdict,
            })),
            rowField: 'factor',
            rows: [...new Set(mine.map((c) => c.factor))],
            settings: [...new Set(mine.map((c) => c.setting))],
            scheme: 'purples',
            legend: metrics,
            tooltip: [
              { field: 'factor' },
              { field: 'setting' },
              { field: 'metric' },
              { field: 'value', format: '.3f', title: 'mean' },
              { field: 'sd', format: '.3f', title: 'sd' },
              { field: 'seeds' },
              { field: 'predicted' },
              { field: 'verdict' },
            ],
          };
        }),
    ),
  );
}

/** The cells whose mean is on the wrong side of the theory's threshold, with their seed spread (sample sd). */
function misses(cells: readonly ResultCell[]): ReportBlock[] {
  const wrong = cells.filter((c) => c.verdict === 'fail');
  if (wrong.length === 0) return [{ kind: 'text', text: 'Every judged cell agrees with the theory.' }];
  return [
    { kind: 'heading', text: 'Cells on the wrong side' },
    {
      kind: 'table',
      head: ['grid', 'setting', 'embedding', 'factor', 'theory', 'mean (nonlinear)', 'sd over seeds', 'seeds'],
      rows: wrong.map((c) => [c.grid, c.setting, c.encoding, c.factor, c.predicted, fmt(c.nonlinearMean), fmt(c.nonlinearSd), String(c.seeds)]),
    },
  ];
}

export const imageTextResults: ResultKind = {
  name: 'image-text',
  thresholds: { keptMin: IMAGE_TEXT_KEPT_MIN, droppedMax: IMAGE_TEXT_DROPPED_MAX },
  rule:
    "The verdict checks the MLP probe's MCC (discrete factors) or R² (continuous ones) against the theory: " +
    `kept ≥ ${IMAGE_TEXT_KEPT_MIN}, dropped ≤ ${IMAGE_TEXT_DROPPED_MAX}; "partly" (a kept cause or effect) is not judged.`,
  json: (group: ResultGroup) => ({ imageText: group.cells.map(imageTextRow), imageTextAgreement: group.agreement, imageTextGrids: group.grids }),
  csv: {
    file: 'summary_image_text.csv',
    columns: ['grid', 'setting', 'encoding', 'factor', 'metric', 'seeds', 'linearMean', 'linearSd', 'nonlinearMean', 'nonlinearSd', 'predicted', 'verdict'],
    row: imageTextRow,
  },
  lines: (group) => {
    const a = group.agreement;
    const rule = `MCC or R² ≥ ${IMAGE_TEXT_KEPT_MIN} kept, ≤ ${IMAGE_TEXT_DROPPED_MAX} dropped`;
    return [
      `image-text ${a.share === null ? 'no cells' : `${a.share.toFixed(3)} (${a.agree}/${a.judged} cells agree: ${rule})`}`,
      ...group.grids.map(
        (g) =>
          `           ${g.grid}: ${g.agree}/${g.judged} cells agree, ${g.runs} runs, ${(g.seconds / 60).toFixed(1)} min of training and evaluation (summed)`,
      ),
    ];
  },
  sections: (group) => [
    {
      title: 'Image-text experiments: MPI3D (Fig. 5) and Causal3DIdent (Fig. 6) scenes with biased captions',
      blocks: [
        {
          kind: 'text',
          text: [
            'From the image and the text embedding (as unit vectors), per factor: MCC of a logistic regression (linear) and an MLP classifier',
            '(nonlinear) for discrete factors, R² of a linear regression and an MLP regressor for continuous ones; means over seeds.',
            `Verdicts use the mean nonlinear value: factors the captions mention correctly need ≥ ${IMAGE_TEXT_KEPT_MIN};`,
            `the others (omitted, perturbed, image- or text-specific) ≤ ${IMAGE_TEXT_DROPPED_MAX};`,
            'a dropped factor with a kept cause or effect (Causal3D: "partly") has no verdict.',
            `Agreement: ${shareOf(group.agreement.share)} (${group.agreement.agree}/${group.agreement.judged} cells).`,
          ].join(' '),
        },
        {
          kind: 'table',
          head: ['grid', 'agree / judged', 'share', 'runs', 'training and evaluation (min, summed over runs)'],
          rows: group.grids.map((g) => [g.grid, `${g.agree}/${g.judged}`, shareOf(g.share), String(g.runs), (g.seconds / 60).toFixed(1)]),
        },
        ...misses(group.cells),
        { kind: 'figures', panels: imageTextHeatmaps(group.cells) },
      ],
    },
  ],
};
