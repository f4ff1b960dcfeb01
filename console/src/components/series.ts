/** One line of a chart: its points in order, x a round or a time (epoch ms), y null where there is no value. */
export interface Series {
  label: string;
  points: { x: number; y: number | null }[];
  /** A dashed line (a cap, a pooled value). */
  dashed?: boolean;
}
