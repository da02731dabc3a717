import {
  GaugeChart,
  type GaugeSeriesOption,
  HeatmapChart,
  type HeatmapSeriesOption,
  LineChart,
  type LineSeriesOption,
  SunburstChart,
  type SunburstSeriesOption,
} from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import VChart from 'vue-echarts';

// The one place ECharts modules are registered: only what the dashboard draws (Resource Gap area lines,
// Fleet Composition sunburst, activity heatmap, stability gauge). Legends and the heatmap's color key are
// HTML next to the charts, so no legend or visualMap component is needed. Import charts from here, never
// from 'echarts' itself, so the bundle carries no unused chart types.
//
// This module is loaded lazily (`charts/lazy.ts`): ECharts (~150 kB gzip) is fetched in parallel with the
// dashboard's data instead of being part of the route's first load; the widgets' figures render without it.
use([CanvasRenderer, LineChart, SunburstChart, HeatmapChart, GaugeChart, GridComponent, TooltipComponent]);

export { VChart };

/** The option type of the charts registered above (the option builders in `lib/dashboard/` return it). */
export type ChartOption = ComposeOption<
  | LineSeriesOption
  | SunburstSeriesOption
  | HeatmapSeriesOption
  | GaugeSeriesOption
  | GridComponentOption
  | TooltipComponentOption
>;
