// The stats page's charts, drawn by Chart.js (served from /static/console/vendor).
// Series differ by pattern, point shape and dash as well as by colour, and every bar and
// point carries its number, so the charts read in grey too. A number nobody can know is
// written "not known", never drawn as 0. The tables on the page hold the same numbers.
(function () {
  "use strict";
  var source = document.getElementById("stats-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;

  function pattern(kind, colour) {
    var size = 10;
    var tile = document.createElement("canvas");
    tile.width = size;
    tile.height = size;
    var c = tile.getContext("2d");
    c.fillStyle = colour;
    c.fillRect(0, 0, size, size);
    c.strokeStyle = "rgba(255,255,255,0.9)";
    c.fillStyle = "rgba(255,255,255,0.9)";
    c.lineWidth = 2;
    if (kind === "stripes") {
      c.beginPath();
      c.moveTo(0, size); c.lineTo(size, 0);
      c.moveTo(-2, 2); c.lineTo(2, -2);
      c.moveTo(size - 2, size + 2); c.lineTo(size + 2, size - 2);
      c.stroke();
    } else if (kind === "dots") {
      c.beginPath(); c.arc(size / 2, size / 2, 2, 0, Math.PI * 2); c.fill();
    } else if (kind === "cross") {
      c.beginPath();
      c.moveTo(0, size / 2); c.lineTo(size, size / 2);
      c.moveTo(size / 2, 0); c.lineTo(size / 2, size);
      c.stroke();
    }
    return c.createPattern(tile, "repeat");
  }

  // Numbers at the end of each bar (and above each point); "not known" for a missing one.
  var valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      var c = chart.ctx;
      c.save();
      c.font = "11px " + Chart.defaults.font.family;
      c.fillStyle = "#1d1c1d";
      chart.data.datasets.forEach(function (dataset, index) {
        var meta = chart.getDatasetMeta(index);
        if (meta.hidden) return;
        meta.data.forEach(function (element, i) {
          var value = dataset.data[i];
          var text = value === null || value === undefined ? "not known" : String(Math.abs(value));
          var horizontal = chart.options.indexAxis === "y";
          var x = element.x, y = element.y;
          if (value === null || value === undefined) {
            if (horizontal) { x = chart.scales.x.getPixelForValue(0); }
            else { y = chart.scales.y.getPixelForValue(0); }
          }
          if (horizontal) {
            c.textAlign = "left"; c.textBaseline = "middle";
            c.fillText(text, x + 4, y);
          } else {
            c.textAlign = "center"; c.textBaseline = value < 0 ? "top" : "bottom";
            c.fillText(text, x, value < 0 ? y + 3 : y - 3);
          }
        });
      });
      c.restore();
    },
  };

  var kinds = [
    { key: "delivered", label: "delivered (stripes)", colour: "#4a7ab5", fill: "stripes" },
    { key: "opened", label: "opened (solid)", colour: "#1d1c1d", fill: "solid" },
    { key: "asked", label: "asked (dots)", colour: "#c0622c", fill: "dots" },
    { key: "pages", label: "pages (cross)", colour: "#2e8a57", fill: "cross" },
  ];

  var sectionLabels = [];
  var rows = [];
  data.sections.forEach(function (section) {
    data.platforms.forEach(function (platform) {
      sectionLabels.push(section.title + " · " + platform);
      rows.push(section.platforms[platform]);
    });
  });
  var canvas = document.getElementById("chart-sections");
  if (canvas) {
    canvas.parentElement.style.height = Math.max(240, rows.length * 64 + 60) + "px";
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: sectionLabels,
        datasets: kinds.map(function (kind) {
          return {
            label: kind.label,
            data: rows.map(function (row) { return row[kind.key]; }),
            backgroundColor: kind.fill === "solid" ? kind.colour : pattern(kind.fill, kind.colour),
            borderColor: kind.colour,
            borderWidth: 1,
          };
        }),
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        layout: { padding: { right: 70 } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "top" } },
      },
      plugins: [valueLabels],
    });
  }

  var trend = document.getElementById("chart-trend");
  if (trend) {
    var styles = [
      { colour: "#4a154b", point: "circle", dash: [] },
      { colour: "#06c755", point: "triangle", dash: [6, 4] },
    ];
    new Chart(trend, {
      type: "line",
      data: {
        labels: data.trend.map(function (t) { return t.issue; }),
        datasets: data.platforms.map(function (platform, index) {
          var style = styles[index % styles.length];
          return {
            label: platform + " reads (" + (index ? "dashed, triangles" : "solid, circles") + ")",
            data: data.trend.map(function (t) { return t.reads[platform]; }),
            borderColor: style.colour,
            backgroundColor: style.colour,
            borderDash: style.dash,
            pointStyle: style.point,
            pointRadius: 6,
          };
        }),
      },
      options: {
        maintainAspectRatio: false,
        layout: { padding: { top: 16 } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { labels: { usePointStyle: true } } },
      },
      plugins: [valueLabels],
    });
  }

  var friends = document.getElementById("chart-friends");
  if (friends) {
    var days = data.friends.map(function (d) { return d.date; });
    var datasets = [
      {
        type: "bar", label: "follows (stripes, up)",
        data: data.friends.map(function (d) { return d.follows; }),
        backgroundColor: pattern("stripes", "#06c755"), borderColor: "#06c755", borderWidth: 1,
      },
      {
        type: "bar", label: "unfollows (dots, down)",
        data: data.friends.map(function (d) { return -d.unfollows; }),
        backgroundColor: pattern("dots", "#c0392b"), borderColor: "#c0392b", borderWidth: 1,
      },
    ];
    if (data.friends.some(function (d) { return d.friends !== null; })) {
      datasets.push({
        type: "line", label: "LINE's friend count (dashed)", yAxisID: "total",
        data: data.friends.map(function (d) { return d.friends; }),
        borderColor: "#1d1c1d", borderDash: [4, 4], pointStyle: "rectRot", pointRadius: 5,
        spanGaps: true,
      });
    }
    new Chart(friends, {
      data: { labels: days, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        layout: { padding: { top: 16, bottom: 16 } },
        scales: {
          y: { ticks: { precision: 0, callback: function (v) { return Math.abs(v); } } },
          total: { position: "right", display: datasets.length > 2, grid: { display: false } },
        },
      },
      plugins: [valueLabels],
    });
  }
})();
