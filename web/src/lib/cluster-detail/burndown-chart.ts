import type { ClusterBudgetResponse } from '@spot/shared';
import { chartAnimation } from '../../charts/animation';
import type { ChartOption } from '../../charts/echarts';

/**
 * The cost burndown's line chart: actual month-to-date spend against the budget spread over the month.
 * Figures come from `shared/src/cluster-detail/burndown.ts`; this only lays them out.
 */
export function burndownChartOption(b: ClusterBudgetResponse): ChartOption {
  const days = b.days.map((d) => d.date.slice(8));
  return {
    animation: chartAnimation,
    grid: { left: 56, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? `$${v.toFixed(2)}` : '—') },
    xAxis: { type: 'category', data: days, axisLabel: { color: '#334155' } },
    yAxis: { type: 'value', axisLabel: { color: '#334155', formatter: (v: number) => `$${v}` } },
    series: [
      {
        name: 'Actual spend',
        type: 'line',
        // '-' is ECharts' empty value: days still to come draw nothing.
        data: b.days.map((d) => d.cumulativeUsd ?? '-'),
        lineStyle: { color: '#1d4ed8', width: 2 },
        itemStyle: { color: '#1d4ed8' },
        showSymbol: false,
      },
      ...(b.monthlyBudgetUsd === null
        ? []
        : [
            {
              name: 'Budget',
              type: 'line' as const,
              data: b.days.map((d) => d.budgetCumulativeUsd ?? '-'),
              lineStyle: { color: '#b45309', width: 2, type: 'dashed' as const },
              itemStyle: { color: '#b45309' },
              showSymbol: false,
            },
          ]),
    ],
  };
}
