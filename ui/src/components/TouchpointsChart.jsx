import { useMemo } from 'preact/hooks';
import { channelColor, channelLabel } from '../charts/channels.js';
import { formatInteger } from '../format.js';
import { axisTooltip } from '../escape.js';
import { EChart } from './EChart.jsx';

const monthDay = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

function weekLabel(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : monthDay.format(d);
}

function hasData(data) {
  if (!data || !Array.isArray(data.weeks) || data.weeks.length === 0) return false;
  return (data.series ?? []).some((s) => (s.counts ?? []).some((n) => n > 0));
}

function buildOption(data) {
  const weeks = data.weeks;
  const series = (data.series ?? []).map((s, i) => ({
    name: channelLabel(s.channel),
    type: 'bar',
    stack: 'touchpoints',
    barMaxWidth: 28,
    emphasis: { focus: 'series' },
    itemStyle: { color: channelColor(s.channel, i) },
    data: weeks.map((_, w) => s.counts?.[w] ?? 0),
  }));
  return {
    animationDuration: 400,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 16, top: 56, bottom: 8, containLabel: true },
    legend: {
      type: 'scroll',
      top: 0,
      left: 0,
      icon: 'roundRect',
      itemWidth: 12,
      itemHeight: 12,
      textStyle: { color: '#334155' },
    },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: axisTooltip(formatInteger),
    },
    xAxis: {
      type: 'category',
      data: weeks,
      axisLabel: { color: '#64748b', formatter: weekLabel, hideOverlap: true },
      axisTick: { alignWithLabel: true },
      axisLine: { lineStyle: { color: '#cbd5e1' } },
    },
    yAxis: {
      type: 'value',
      minInterval: 1, // counts: no fractional ticks
      axisLabel: { color: '#64748b', formatter: (v) => formatInteger(v) },
      splitLine: { lineStyle: { color: '#e2e8f0' } },
    },
    series,
  };
}

// Stacked bars of touchpoints per week, one series per channel.
export function TouchpointsChart({ data }) {
  const show = hasData(data);
  const option = useMemo(() => (show ? buildOption(data) : null), [data, show]);
  if (!show) {
    return (
      <div class="empty-state" data-testid="chart-touchpoints-weekly-empty">
        <p>No touchpoints yet</p>
        <p class="muted">Import touchpoints or send events to the tracking API to see them here.</p>
      </div>
    );
  }
  return <EChart option={option} testid="chart-touchpoints-weekly" label="Touchpoints per week by channel" />;
}
