// The key page's Usage panel: GET /account/usage (used, remaining, reset, calls per day of the
// current quota period), drawn with DOM APIs only: inline SVG bars plus a table of the same
// figures for screen readers and for reading exact numbers. Never a made-up figure: where the
// API cannot report usage (503 usage_unavailable) the panel says so.
import { $, api, errorText, formatDateTime, formatNumber, language, say, t } from "./app.js";

const SVG = "http://www.w3.org/2000/svg";
const BAR_WIDTH = 10;
const BAR_GAP = 2;
const CHART_HEIGHT = 100;

// A UTC day ("2026-11-03") as the reader's language writes a short date; the day is UTC's
// (GetUsage counts UTC days), so it is formatted in UTC, not shifted into the reader's zone.
function formatDay(isoDay) {
  return new Intl.DateTimeFormat(language, { month: "short", day: "numeric", timeZone: "UTC" })
    .format(new Date(`${isoDay}T00:00:00Z`));
}

function svgElement(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

// One slot per day of the whole period, so a bar's place says how far into the period it is.
function drawChart(days, periodDays) {
  const most = Math.max(1, ...days.map((d) => d.used));
  const width = Math.max(days.length, periodDays) * (BAR_WIDTH + BAR_GAP);
  const svg = svgElement("svg", {
    viewBox: `0 0 ${width} ${CHART_HEIGHT}`, preserveAspectRatio: "none",
    role: "img", "aria-labelledby": "usage-chart-caption",
  });
  days.forEach((day, index) => {
    const height = day.used === 0 ? 0 : Math.max(1, (day.used / most) * CHART_HEIGHT);
    const bar = svgElement("rect", {
      x: index * (BAR_WIDTH + BAR_GAP), y: CHART_HEIGHT - height, width: BAR_WIDTH, height,
    });
    bar.classList.add("bar");
    if (index === days.length - 1) bar.classList.add("today");
    const tip = svgElement("title", {});
    tip.textContent = t("usage.dayBar", {
      day: formatDay(day.date), calls: t("usage.calls", { count: day.used, number: formatNumber(day.used) }),
    });
    bar.append(tip);
    svg.append(bar);
  });
  $("#usage-chart").replaceChildren(svg);
}

function fillTable(days) {
  const rows = days.map((day) => {
    const row = document.createElement("tr");
    const date = document.createElement("td");
    const time = document.createElement("time");
    time.dateTime = day.date;
    time.textContent = formatDay(day.date);
    date.append(time);
    const calls = document.createElement("td");
    calls.textContent = formatNumber(day.used);
    row.append(date, calls);
    return row;
  });
  $("#usage-table tbody").replaceChildren(...rows);
}

function render(usage) {
  const days = usage.days || [];
  $("#usage-used").textContent = t("usage.ofLimit", {
    used: formatNumber(usage.used), limit: formatNumber(usage.quota.limit), count: usage.used,
  });
  $("#usage-remaining").textContent = formatNumber(usage.remaining);
  $("#usage-resets").dateTime = usage.resets_at;
  $("#usage-resets").textContent = formatDateTime(usage.resets_at);
  $("#usage-figures").hidden = false;
  if (days.length) {
    const total = days.reduce((sum, day) => sum + day.used, 0);
    const most = Math.max(...days.map((d) => d.used));
    $("#usage-chart-caption").textContent = t("usage.chartLabel", {
      start: formatDay(days[0].date), end: formatDay(days[days.length - 1].date),
      total: formatNumber(total), max: formatNumber(most),
    });
    const periodDays = Math.round((Date.parse(usage.resets_at) - Date.parse(usage.period_start)) / 86400000);
    drawChart(days, periodDays || days.length);
    fillTable(days);
    $("#usage-chart-box").hidden = false;
  }
}

let latest = null;

// Loads and shows the panel; resolves to the usage (or null when there is none to show).
export async function showUsage(session) {
  const message = $("#usage-message");
  say(message, t("usage.loading"));
  const result = await api("GET", "/account/usage", { token: session.idToken });
  latest = result.ok ? result.data : null;
  if (result.ok) {
    say(message, "");
    render(result.data);
  } else if (result.data?.error?.code === "usage_unavailable") {
    $("#usage-figures").hidden = true;
    $("#usage-chart-box").hidden = true;
    say(message, t("usage.unavailable"));
  } else if (result.data?.error?.code === "no_api_key") {
    say(message, t("usage.noKey"));
  } else {
    say(message, t("usage.failed", { error: errorText(result) }), "error");
  }
  return latest;
}

// When the quota resets, formatted for the reader; null where usage cannot be read here.
export async function resetTime(session) {
  const usage = await showUsage(session);
  return usage ? formatDateTime(usage.resets_at) : null;
}
