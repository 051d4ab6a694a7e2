// Deskpilot dashboard: draws the time-series charts with Chart.js from the JSON the page carries
// in <script type="application/json" id="dashboard-charts"> (data, not code, so the strict
// Content-Security-Policy allows it). Every chart also has a data table in the page, so nothing is
// lost without JavaScript.
(() => {
  const source = document.getElementById('dashboard-charts');
  const Chart = window.Chart;
  if (!source || !Chart) return;
  const { labels, charts } = JSON.parse(source.textContent);

  // The stylesheet's colours: at least 4.5:1 against white, and distinct for colour-blind readers
  // (blue / red / green / brown differ in lightness as well as hue).
  const colours = ['#0b57d0', '#a40e26', '#116329', '#7a4a00'];
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  const format = (unit, value) => {
    if (value === null || value === undefined) return '—';
    if (unit === '%') return `${value} %`;
    if (unit === 'h') return `${value} h`;
    return String(value);
  };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#4d5560';

  let drawn = 0;
  for (const spec of charts) {
    const canvas = document.getElementById(`chart-${spec.id}`);
    if (!canvas) continue;
    drawn += 1;
    const own = spec.labels || labels;
    // Drill-down: a click on a point opens the ticket list filtered to it.
    const links = spec.links || [];
    new Chart(canvas, {
      type: spec.kind,
      data: {
        labels: own,
        datasets: spec.datasets.map((d, i) => ({
          label: d.label,
          data: d.data,
          borderColor: colours[i % colours.length],
          backgroundColor: colours[i % colours.length],
          borderWidth: 2,
          // A period without tickets has no rate (null): join the line across it.
          spanGaps: true,
          pointRadius: own.length > 60 ? 0 : 3,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 250 },
        interaction: { mode: 'index', intersect: false },
        onClick: (_event, elements) => {
          const href = elements.length ? links[elements[0].index] : null;
          if (href) window.location.assign(href);
        },
        scales: {
          y: {
            beginAtZero: true,
            ticks: {
              precision: spec.unit === 'tickets' ? 0 : undefined,
              callback: (value) => format(spec.unit, value),
            },
          },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: (ctx) => `${ctx.dataset.label}: ${format(spec.unit, ctx.parsed.y)}`,
            },
          },
        },
      },
    });
  }
  document.body.setAttribute('data-charts-ready', String(drawn));
})();
