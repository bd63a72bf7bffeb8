// Charts where people look rather than read (issue 15 §9): every element with data-chart is drawn with ECharts
// (served from node_modules) from the JSON its data-source names; the same endpoints are tested server-side.
(function () {
  "use strict";
  const nodes = document.querySelectorAll("[data-chart]");
  if (!nodes.length || typeof echarts === "undefined") return;
  const cache = {};
  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin" }).then((r) => {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      });
    }
    return cache[url];
  }
  const percent = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  const count = { type: "value", minInterval: 1 };
  const empty = { text: "暂无数据", left: "center", top: "middle", textStyle: { color: "#6b7785", fontSize: 13 } };
  const options = {
    "on-time-units": (d) => ({
      tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 }, grid: { top: 40, left: 48, right: 16, bottom: 28 },
      xAxis: { type: "category", data: d.on_time_by_unit.months }, yAxis: percent,
      series: d.on_time_by_unit.series.map((s) => ({ name: s.unit, type: "line", connectNulls: true, data: s.rates })),
    }),
    "breaches-by-rule": (d) => ({
      title: d.breaches_by_rule.rules.length ? undefined : empty,
      tooltip: {}, grid: { top: 16, left: 40, right: 16, bottom: 28 },
      xAxis: { type: "category", data: d.breaches_by_rule.rules }, yAxis: count,
      series: [{ name: "违反次数", type: "bar", data: d.breaches_by_rule.counts, itemStyle: { color: "#c62828" } }],
    }),
    "open-by-age": (d) => ({
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { top: 36, left: 40, right: 16, bottom: 28 },
      xAxis: { type: "category", data: d.open_by_age.buckets }, yAxis: count,
      series: [
        { name: "未超期", type: "bar", stack: "open", data: d.open_by_age.on_time, itemStyle: { color: "#0b5cad" } },
        { name: "已超期", type: "bar", stack: "open", data: d.open_by_age.overdue, itemStyle: { color: "#c62828" } },
      ],
    }),
    breakdown: (d, node) => ({
      title: (d[node.dataset.key] || []).length ? undefined : empty,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b} {c}" },
        data: (d[node.dataset.key] || []).map((item) => ({ name: item.label, value: item.count })) }],
    }),
  };
  nodes.forEach((node) => {
    load(node.dataset.source)
      .then((data) => {
        const chart = echarts.init(node, null, { renderer: "svg" });
        chart.setOption(options[node.dataset.chart](data, node));
        window.addEventListener("resize", () => chart.resize());
        node.dataset.ready = "1";
      })
      .catch(() => {
        node.textContent = "图表数据暂时无法加载，请刷新重试。";
        node.dataset.ready = "error";
      });
  });
})();
