import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The dashboard's static files: Chart.js's UMD build from node_modules (no CDN: the gateway often
 * runs on a provincial network without Internet access), and the page's own script and style,
 * kept here as text so they ship inside the built code without a copy step.
 */

/** The path of `chart.js/dist/chart.umd.min.js` (the package's exports hide it from `import`). */
export function chartJsPath(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(main), 'chart.umd.min.js');
}

let chartJs: Buffer | null = null;
export function chartJsSource(): Buffer {
  chartJs ??= readFileSync(chartJsPath());
  return chartJs;
}

/**
 * Draws the bar chart from the page's JSON island. No inline script (the page's CSP forbids it);
 * no animation, so the chart is complete as soon as the page has loaded.
 */
export const DASHBOARD_JS = `(function () {
  'use strict';
  var island = document.getElementById('chart-data');
  var canvas = document.getElementById('on-time-chart');
  if (!island || !canvas || typeof Chart === 'undefined') return;
  var data = JSON.parse(island.textContent);
  var box = document.getElementById('chart-box');
  var lines = data.labels.reduce(function (n, l) { return n + l.length; }, 0);
  box.style.height = Math.max(180, 34 * data.labels.length + 16 * lines + 60) + 'px';
  var colour = function (r) { return r >= 90 ? '#2e7d32' : r >= 70 ? '#f0a000' : '#c62828'; };
  window.onTimeChart = new Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [{
        label: 'Tỷ lệ đúng hạn (%)',
        data: data.rates,
        backgroundColor: data.rates.map(colour),
        borderRadius: 4,
        maxBarThickness: 36
      }]
    },
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { min: 0, max: 100, ticks: { callback: function (v) { return v + '%'; } } },
        y: { ticks: { font: { size: 13 } } }
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var i = ctx.dataIndex;
              return ' ' + data.rates[i].toFixed(1) + '% (' + data.onTime[i] + '/' + data.resolved[i] + ' hồ sơ đúng hạn)';
            }
          }
        }
      }
    },
    plugins: [{
      id: 'values',
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx;
        var meta = chart.getDatasetMeta(0);
        ctx.save();
        ctx.font = 'bold 13px system-ui, sans-serif';
        ctx.fillStyle = '#222';
        ctx.textBaseline = 'middle';
        meta.data.forEach(function (bar, i) {
          var text = data.rates[i].toFixed(1) + '%';
          var w = ctx.measureText(text).width;
          var x = bar.x + 6 + w > chart.chartArea.right ? bar.x - w - 6 : bar.x + 6;
          ctx.fillStyle = x < bar.x ? '#fff' : '#222';
          ctx.fillText(text, x, bar.y);
        });
        ctx.restore();
      }
    }]
  });
  document.documentElement.setAttribute('data-chart', 'ready');
})();
`;

export const DASHBOARD_CSS = `*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1d2733;background:#f3f5f8}
header{display:flex;flex-wrap:wrap;gap:12px 24px;align-items:flex-end;justify-content:space-between;padding:18px 28px;background:#0d4a8f;color:#fff}
header h1{margin:0;font-size:22px}
header .sub{margin:4px 0 0;opacity:.85}
header form{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
header label{font-size:13px}
header input{font:inherit;padding:4px 6px;border-radius:4px;border:1px solid #9fb6d3}
button,.button{font:inherit;padding:6px 12px;border-radius:4px;border:0;background:#fff;color:#0d4a8f;cursor:pointer;text-decoration:none;font-weight:600}
button.link{background:transparent;color:#fff;text-decoration:underline;font-weight:400}
main{padding:20px 28px 40px;max-width:1280px}
section{background:#fff;border-radius:8px;padding:16px 20px;margin-bottom:20px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
section.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:14px;background:none;box-shadow:none;padding:0}
.tile{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08);border-left:6px solid #8a99ab}
.tile .value{font-size:30px;font-weight:700}
.tile .label{color:#4a5868}
.tile.ok{border-color:#2e7d32}.tile.warn{border-color:#f0a000}.tile.bad{border-color:#c62828}
.tile.bad .value{color:#c62828}
h2{margin:0 0 10px;font-size:18px}
.legend{margin:0 0 8px;color:#4a5868;font-size:13px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-left:8px}
.sw.ok{background:#2e7d32}.sw.warn{background:#f0a000}.sw.bad{background:#c62828}
.chart-box{position:relative;height:240px}
table{border-collapse:collapse;width:100%}
th,td{padding:7px 10px;border-bottom:1px solid #e3e8ee;text-align:left;vertical-align:top}
th{background:#f0f3f7;font-weight:600;font-size:13px}
td.num,th.num{text-align:right;white-space:nowrap}
td.code{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}
td.late{color:#c62828;font-weight:700}
.bad-text{color:#c62828;font-weight:600}.warn-text{color:#b07000;font-weight:600}.info{font-weight:600}.ok-text{color:#2e7d32}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:13px;font-weight:600}
.badge.ok{background:#e3f3e5;color:#1e6b25}.badge.warn{background:#fff3d6;color:#8a5a00}.badge.bad{background:#fde4e4;color:#a31b1b}.badge.unknown{background:#eceff3;color:#4a5868}
.note,.empty{color:#4a5868}
details{margin-top:10px}
main.login{max-width:420px;margin:80px auto;background:#fff;border-radius:8px;padding:24px 28px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
main.login h1{font-size:20px;margin-top:0}
main.login input{display:block;width:100%;font:inherit;padding:8px;margin:6px 0 14px;border:1px solid #9fb6d3;border-radius:4px}
main.login button{background:#0d4a8f;color:#fff}
.error{color:#c62828;font-weight:600}
`;
