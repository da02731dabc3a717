import { BarChart, GaugeChart, HeatmapChart, LineChart, PieChart, SunburstChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import VChart from 'vue-echarts';

// The one place ECharts modules are registered: only what the dashboard screens draw (resource gap lines,
// bars, fleet composition sunburst and pie, idle-hours heatmap, stability gauge). Import charts from here,
// never from 'echarts' itself, so the bundle carries no unused chart types.
use([
  CanvasRenderer,
  LineChart,
  BarChart,
  PieChart,
  SunburstChart,
  HeatmapChart,
  GaugeChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  VisualMapComponent,
  TitleComponent,
]);

/** Animations off under automation, or screenshots and browser tests catch half-drawn charts. */
export const chartAnimation = !navigator.webdriver;

export { VChart };
