/**
 * A small hand-written SVG line chart (no dependency): two panels side by side, throughput and
 * p99 latency against concurrency, log scales on both axes so a floor of 20,000/s and a consume
 * rate of 300/s stay readable on one chart.
 */

export interface ChartSeries {
  name: string;
  color: string;
  /** [concurrency, value] points; lines join them in order. */
  points: [number, number][];
  /** Draw the points only (a single hot-account point, for instance). */
  markersOnly?: boolean;
  marker?: 'circle' | 'square' | 'diamond';
}

export interface ChartLine {
  name: string;
  color: string;
  value: number;
  dash: string;
}

export interface ChartPanel {
  title: string;
  yLabel: string;
  series: ChartSeries[];
  lines: ChartLine[];
}

const width = 1020;
const height = 460;
const panelWidth = 420;
const panelHeight = 300;
const top = 60;
const lefts = [75, 580];

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function formatTick(value: number): string {
  if (value >= 1000) return `${value / 1000}k`;
  return String(value);
}

/** Log-scale bounds covering every value: whole decades. */
function decades(values: number[]): [number, number] {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (positive.length === 0) return [1, 10];
  const low = Math.floor(Math.log10(Math.min(...positive)));
  const high = Math.ceil(Math.log10(Math.max(...positive)));
  return [10 ** low, 10 ** Math.max(high, low + 1)];
}

function panelSvg(panel: ChartPanel, left: number, xs: number[]): string {
  const [yMin, yMax] = decades([...panel.series.flatMap((s) => s.points.map((p) => p[1])), ...panel.lines.map((l) => l.value)]);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const xLog = (x: number) => Math.log2(x);
  const px = (x: number) => left + (xMax === xMin ? panelWidth / 2 : ((xLog(x) - xLog(xMin)) / (xLog(xMax) - xLog(xMin))) * (panelWidth - 40) + 20);
  const py = (y: number) => top + panelHeight - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * panelHeight;
  const parts: string[] = [];
  parts.push(`<text x="${left + panelWidth / 2}" y="${top - 30}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${panelWidth}" height="${panelHeight}" fill="none" stroke="#999"/>`);
  for (let decade = yMin; decade <= yMax * 1.0001; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const value = decade * step;
      if (value > yMax * 1.0001) break;
      const y = py(value);
      parts.push(`<line x1="${left}" x2="${left + panelWidth}" y1="${y}" y2="${y}" stroke="${step === 1 ? '#ddd' : '#f0f0f0'}"/>`);
      if (step === 1 || yMax / yMin <= 100) parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${formatTick(value)}</text>`);
    }
  }
  for (const x of xs) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${top}" y2="${top + panelHeight}" stroke="#eee"/>`);
    parts.push(`<text x="${px(x)}" y="${top + panelHeight + 18}" text-anchor="middle" font-size="11">${x}</text>`);
  }
  parts.push(`<text x="${left + panelWidth / 2}" y="${top + panelHeight + 38}" text-anchor="middle" font-size="12">concurrent clients (log scale)</text>`);
  parts.push(
    `<text x="${left - 52}" y="${top + panelHeight / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${left - 52} ${top + panelHeight / 2})">${escapeXml(panel.yLabel)} (log scale)</text>`,
  );
  for (const line of panel.lines) {
    if (!(line.value > 0)) continue;
    const y = py(line.value);
    parts.push(`<line x1="${left}" x2="${left + panelWidth}" y1="${y}" y2="${y}" stroke="${line.color}" stroke-dasharray="${line.dash}" stroke-width="1.5"/>`);
    parts.push(`<text x="${left + panelWidth - 4}" y="${y - 4}" text-anchor="end" font-size="10" fill="${line.color}">${escapeXml(line.name)}</text>`);
  }
  for (const series of panel.series) {
    const points = series.points.filter(([, y]) => Number.isFinite(y) && y > 0);
    if (points.length === 0) continue;
    if (!series.markersOnly && points.length > 1) {
      parts.push(`<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const [x, y] of points) parts.push(marker(series.marker ?? 'circle', px(x), py(y), series.color));
  }
  return parts.join('\n');
}

function marker(kind: 'circle' | 'square' | 'diamond', x: number, y: number, color: string): string {
  switch (kind) {
    case 'circle':
      return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${color}"/>`;
    case 'square':
      return `<rect x="${(x - 4).toFixed(1)}" y="${(y - 4).toFixed(1)}" width="8" height="8" fill="${color}"/>`;
    case 'diamond':
      return `<polygon points="${x.toFixed(1)},${(y - 6).toFixed(1)} ${(x + 6).toFixed(1)},${y.toFixed(1)} ${x.toFixed(1)},${(y + 6).toFixed(1)} ${(x - 6).toFixed(1)},${y.toFixed(1)}" fill="${color}"/>`;
  }
}

/** The whole chart: two panels, a shared legend, a caption. */
export function renderChart(title: string, caption: string, panels: [ChartPanel, ChartPanel]): string {
  const xs = [...new Set(panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x))))].sort((a, b) => a - b);
  const legendItems = panels[0].series;
  const legend = legendItems
    .map((series, i) => {
      const x = 75 + i * 235;
      const y = height - 34;
      return `${marker(series.marker ?? 'circle', x, y - 4, series.color)}<text x="${x + 10}" y="${y}" font-size="12">${escapeXml(series.name)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${width / 2}" y="20" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>
${panelSvg(panels[0], lefts[0], xs.length ? xs : [1])}
${panelSvg(panels[1], lefts[1], xs.length ? xs : [1])}
${legend}
<text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-size="11" fill="#555">${escapeXml(caption)}</text>
</svg>
`;
}
