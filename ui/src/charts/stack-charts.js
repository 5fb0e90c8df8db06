// The chart types the stack page draws beyond the shared set (heatmap, graph),
// registered on the shared ECharts instance. Loaded lazily like echarts.js.
import { HeatmapChart, GraphChart } from 'echarts/charts';
import { VisualMapComponent, MarkLineComponent } from 'echarts/components';
import { echarts } from './echarts.js';

echarts.use([HeatmapChart, GraphChart, VisualMapComponent, MarkLineComponent]);

export { echarts };
