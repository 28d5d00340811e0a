// Sparklines with uPlot (embedded from npm as /ui/vendor/uPlot.iife.min.js, loaded on first use).
// When the library is missing the caller's text stays the only rendering.
import { h } from './dom.js';

let loading = null;
function load() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  if (!loading) {
    loading = new Promise((resolve) => {
      document.head.append(h('link', { rel: 'stylesheet', href: '/ui/vendor/uPlot.min.css' }));
      const s = h('script', { src: '/ui/vendor/uPlot.iife.min.js' });
      s.onload = () => resolve(window.uPlot || null);
      s.onerror = () => resolve(null);
      document.head.append(s);
    });
  }
  return loading;
}

// A 72×28 sparkline of points [[t_us, value], ...] at the start of `el` (which keeps its text).
export async function sparkline(el, points, label) {
  const uPlot = await load();
  if (!uPlot || points.length < 2) return;
  const xs = points.map((p) => p[0] / 1e6);
  const ys = points.map((p) => p[1]);
  el.querySelector('.chart')?.remove();
  const box = h('span', { class: 'chart', role: 'img', 'aria-label': `${label}: ${ys.length} samples, last ${ys[ys.length - 1]}` });
  el.prepend(box);
  new uPlot({
    width: 72, height: 28, pxAlign: false,
    cursor: { show: false }, legend: { show: false }, select: { show: false },
    scales: { x: { time: false } },
    axes: [{ show: false }, { show: false }],
    series: [{}, { stroke: '#0b57d0', width: 1.5, fill: '#0b57d022', points: { show: false } }],
  }, [xs, ys], box);
}
