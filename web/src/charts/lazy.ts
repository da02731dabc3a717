/** Starts (or joins) the download of the ECharts chunk; call it early so charts are ready with the data. */
export const loadCharts = () => import('./echarts');
