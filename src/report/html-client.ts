/**
 * The browser side of report.html, inlined as text (the page must work from disk with no network).
 * Plain ES2017 for any browser; it reads the JSON payload from #crumple-charts and draws each chart
 * with uPlot (inlined next to it), phases drawn as bands, cursors synced across charts.
 */
export const clientScript = String.raw`
(function () {
  'use strict';
  var root = document.getElementById('charts');
  var data = JSON.parse(document.getElementById('crumple-charts').textContent);
  var dpr = window.devicePixelRatio || 1;
  var knees = drawKnees(data.knees || []);
  var trends = drawTrends(data.trends || []);
  if (!data.x.length || !data.charts.length) {
    root.textContent = 'No per-second data was recorded for this run.';
    document.body.setAttribute('data-charts', knees && trends ? 'ready' : 'failed');
    return;
  }
  // A drift series: bucket values as points, the Theil-Sen fit solid, its confidence band dashed.
  function drawTrends(list) {
    var box = document.getElementById('trends');
    var ok = true;
    list.forEach(function (t) {
      try {
        var sec = document.createElement('section');
        sec.className = 'chart trend';
        sec.id = 'chart-' + t.id;
        sec.setAttribute('data-failed', String(t.failed));
        var h = document.createElement('h3'); h.textContent = t.title;
        var note = document.createElement('p'); note.className = 'note'; note.textContent = t.note;
        sec.appendChild(h); sec.appendChild(note); box.appendChild(sec);
        var color = t.failed ? '#d62728' : '#1f77b4';
        var val = function (u, v) { return fmt(t.unit, v); };
        var opts = {
          width: Math.max(320, box.clientWidth - 2),
          height: 220,
          scales: { x: { time: false } },
          axes: [
            { space: 70, values: function (u, splits) { return splits.map(clock); } },
            { size: 72, values: function (u, splits) { return splits.map(function (v) { return tick(t.unit, v); }); } }
          ],
          series: [
            { label: 'time', value: function (u, v) { return v === null || v === undefined ? '\u2014' : clock(v); } },
            { label: 'bucket', stroke: color, width: 0, points: { show: true, size: 6, fill: color }, value: val },
            { label: 'fit', stroke: '#333', width: 2, points: { show: false }, value: val },
            { label: 'band low', stroke: '#888', width: 1, dash: [6, 4], points: { show: false }, value: val },
            { label: 'band high', stroke: '#888', width: 1, dash: [6, 4], points: { show: false }, value: val }
          ]
        };
        var holder = document.createElement('div');
        sec.appendChild(holder);
        new uPlot(opts, [t.x, t.values, t.fit, t.low, t.high], holder);
      } catch (e) {
        ok = false;
        var p = document.createElement('p'); p.className = 'chart-error'; p.textContent = 'chart "' + t.title + '" failed: ' + e;
        box.appendChild(p);
        console.error(e);
      }
    });
    return ok;
  }
  // A ramp's knee: x = offered rate; throughput (left axis) and p99 (right axis, log) per step; the
  // capacity step marked green and the first step past it red (their canvas x is left on the section).
  function drawKnees(list) {
    var box = document.getElementById('knees');
    var ok = true;
    list.forEach(function (k) {
      try {
        var sec = document.createElement('section');
        sec.className = 'chart knee';
        sec.id = 'chart-' + k.id;
        var h = document.createElement('h3'); h.textContent = k.title;
        var note = document.createElement('p'); note.className = 'note'; note.textContent = k.note;
        sec.appendChild(h); sec.appendChild(note); box.appendChild(sec);
        var marks = [];
        if (k.capacityRate !== undefined) marks.push({ at: k.capacityRate, color: '#1a7f37', attr: 'data-capacity-x' });
        if (k.exceededRate !== undefined) marks.push({ at: k.exceededRate, color: '#d62728', attr: 'data-exceeded-x' });
        var marker = { hooks: { draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          marks.forEach(function (m) {
            var x = Math.round(u.valToPos(m.at, 'x', true));
            ctx.strokeStyle = m.color; ctx.lineWidth = 3 * dpr;
            ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
            sec.setAttribute(m.attr, String(x));
          });
          ctx.restore();
        }] } };
        var span = k.offered[k.offered.length - 1] - k.offered[0];
        var pad = span > 0 ? span * 0.05 : 1;
        var opts = {
          width: Math.max(320, box.clientWidth - 2),
          height: 260,
          scales: {
            x: { time: false, range: function () { return [k.offered[0] - pad, k.offered[k.offered.length - 1] + pad]; } },
            rps: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } },
            ms: { distr: 3, log: 10, range: function (u, min, max) { return uPlot.rangeLog(Math.max(min || 0.1, 0.1), Math.max(max || 1, 1), 10, true); } }
          },
          axes: [
            { label: 'offered rate', values: function (u, splits) { return splits.map(function (v) { return tick('per-second', v); }); } },
            { scale: 'rps', label: 'throughput', size: 72, values: function (u, splits) { return splits.map(function (v) { return tick('per-second', v); }); } },
            { scale: 'ms', side: 1, label: 'p99', size: 72, grid: { show: false }, splits: decades, values: function (u, splits) { return splits.map(function (v) { return tick('ms', v); }); } }
          ],
          series: [
            { label: 'offered', value: function (u, v) { return v === null || v === undefined ? '\u2014' : fmt('per-second', v); } },
            { label: 'throughput', scale: 'rps', stroke: '#1f77b4', width: 2, points: { show: true, size: 6 }, value: function (u, v) { return fmt('per-second', v); } },
            { label: 'p99', scale: 'ms', stroke: '#ff7f0e', width: 2, points: { show: true, size: 6 }, value: function (u, v) { return fmt('ms', v); } }
          ],
          plugins: [marker]
        };
        var holder = document.createElement('div');
        sec.appendChild(holder);
        new uPlot(opts, [k.offered, k.throughput, k.p99], holder);
      } catch (e) {
        ok = false;
        var p = document.createElement('p'); p.className = 'chart-error'; p.textContent = 'chart "' + k.title + '" failed: ' + e;
        box.appendChild(p);
        console.error(e);
      }
    });
    return ok;
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clock(sec) {
    sec = Math.max(0, Math.round(sec));
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    return h ? h + ':' + pad(m) + ':' + pad(s) : m + ':' + pad(s);
  }
  function fmt(unit, v) {
    if (v === null || v === undefined) return '\u2014';
    if (unit === 'ms') return v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 1 : 2) + ' s' : (v >= 10 ? Math.round(v) : v.toFixed(1)) + ' ms';
    if (unit === 'bytes') return (v / 1048576).toFixed(1) + ' MiB';
    if (unit === 'per-second') return Math.round(v * 10) / 10 + '/s';
    if (unit === 'ratio') return (v * 100).toFixed(2) + '%';
    return String(Math.round(v * 10) / 10);
  }
  // Axis ticks: short and exact ("100 ms", "10 s"), unlike legend values.
  function tick(unit, v) {
    if (unit === 'ms') return v >= 1000 ? +(v / 1000).toPrecision(3) + ' s' : +v.toPrecision(3) + ' ms';
    if (unit === 'bytes') return +(v / 1048576).toPrecision(3) + ' MiB';
    if (unit === 'ratio') return +(v * 100).toPrecision(3) + '%';
    var n = Math.abs(v) >= 10000 ? +(v / 1000).toPrecision(3) + 'k' : String(+v.toPrecision(3));
    return unit === 'per-second' ? n + '/s' : n;
  }
  // Log axes: one tick and grid line per decade, so the scale reads at a glance.
  function decades(u, axisIdx, min, max) {
    var out = [];
    for (var p = Math.floor(Math.log10(Math.max(min, 0.01))); Math.pow(10, p) <= max * 1.0001; p++) {
      var v = Math.pow(10, p);
      if (v >= min * 0.9999) out.push(v);
    }
    return out;
  }
  function bandsPlugin(bands) {
    return { hooks: { drawClear: [function (u) {
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
      ctx.save();
      // Phases may run past the last recorded second: never paint outside the plot area.
      ctx.beginPath(); ctx.rect(u.bbox.left, top, u.bbox.width, h); ctx.clip();
      for (var i = 0; i < bands.length; i++) {
        var b = bands[i];
        var x0 = u.valToPos(b.from, 'x', true), x1 = u.valToPos(b.to, 'x', true);
        ctx.fillStyle = b.faults ? 'rgba(214,39,40,0.10)' : (i % 2 ? 'rgba(0,0,0,0.035)' : 'rgba(0,0,0,0)');
        ctx.fillRect(x0, top, x1 - x0, h);
        ctx.strokeStyle = 'rgba(0,0,0,0.3)';
        ctx.lineWidth = dpr;
        ctx.setLineDash([4 * dpr, 4 * dpr]);
        ctx.beginPath(); ctx.moveTo(Math.round(x0) + 0.5, top); ctx.lineTo(Math.round(x0) + 0.5, top + h); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = b.faults ? '#a11a1a' : '#555';
        ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
        ctx.textBaseline = 'top';
        var label = b.name, room = x1 - x0 - 6 * dpr;
        if (room > 24 * dpr) {
          while (label.length > 1 && ctx.measureText(label).width > room) label = label.slice(0, -2) + '\u2026';
          ctx.fillText(label, x0 + 3 * dpr, top + 3 * dpr);
        }
      }
      ctx.restore();
    }] } };
  }
  function build(chart) {
    var box = document.createElement('section');
    box.className = 'chart';
    box.id = 'chart-' + chart.id;
    var h = document.createElement('h3');
    h.textContent = chart.title;
    var note = document.createElement('p');
    note.className = 'note';
    note.textContent = chart.note;
    box.appendChild(h); box.appendChild(note);
    root.appendChild(box);
    var list = chart.stacked ? chart.series.slice().reverse() : chart.series;
    var columns = [data.x];
    var raw = [null];
    if (chart.stacked) {
      // Cumulative sums, bottom class first; drawn top-down so each strip shows its own colour.
      var sums = chart.series.map(function () { return []; });
      for (var j = 0; j < data.x.length; j++) {
        var acc = 0;
        for (var k = 0; k < chart.series.length; k++) { acc += chart.series[k].values[j] || 0; sums[k][j] = acc; }
      }
      for (var r = chart.series.length - 1; r >= 0; r--) { columns.push(sums[r]); raw.push(chart.series[r].values); }
    } else {
      list.forEach(function (s) { columns.push(s.values); raw.push(s.values); });
    }
    var series = [{ label: 'time', value: function (u, v) { return v === null || v === undefined ? '\u2014' : clock(v); } }];
    list.forEach(function (s, i) {
      series.push({
        label: s.label,
        stroke: s.color,
        width: s.dash ? 1 : 1.5,
        dash: s.dash ? [6, 4] : undefined,
        fill: chart.stacked ? s.color + 'cc' : undefined,
        spanGaps: false,
        points: { show: false },
        value: function (u, v, si, di) { return di === null || di === undefined ? '\u2014' : fmt(chart.unit, raw[i + 1][di]); }
      });
    });
    var yScale = { auto: true };
    if (chart.log) {
      yScale = { distr: 3, log: 10, range: function (u, min, max) {
        if (min === null || max === null || !isFinite(min) || !isFinite(max)) return [1, 1000];
        return uPlot.rangeLog(Math.max(min, 0.1), Math.max(max, 1), 10, true);
      } };
    } else {
      yScale = { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } };
    }
    var opts = {
      width: Math.max(320, root.clientWidth - 2),
      height: 220,
      cursor: { sync: { key: 'crumple' } },
      scales: { x: { time: false }, y: yScale },
      axes: [
        // Clock-friendly steps (1 s ... 1 h) so ticks land on round times.
        { space: 70, incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800], values: function (u, splits) { return splits.map(clock); } },
        chart.log
          ? { size: 72, splits: decades, values: function (u, splits) { return splits.map(function (v) { return tick(chart.unit, v); }); } }
          : { size: 72, values: function (u, splits) { return splits.map(function (v) { return tick(chart.unit, v); }); } }
      ],
      series: series,
      plugins: [bandsPlugin(data.bands)]
    };
    var holder = document.createElement('div');
    box.appendChild(holder);
    return new uPlot(opts, columns, holder);
  }
  var plots = [];
  data.charts.forEach(function (c) {
    try { plots.push(build(c)); } catch (e) {
      var p = document.createElement('p'); p.className = 'chart-error'; p.textContent = 'chart "' + c.title + '" failed: ' + e;
      root.appendChild(p);
      console.error(e);
    }
  });
  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      plots.forEach(function (u) { u.setSize({ width: Math.max(320, root.clientWidth - 2), height: 220 }); });
    }, 100);
  });
  document.body.setAttribute('data-charts', plots.length === data.charts.length && knees && trends ? 'ready' : 'failed');
})();
`;
