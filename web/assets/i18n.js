// The console's languages: message catalogues (web/assets/i18n/<lang>.json, flat keys), the
// reader's language (a choice kept in localStorage, else navigator.languages, else English),
// and numbers, prices and dates through Intl in that language and the reader's time zone.
// docs/web-console.md ("Languages") says how to add a language or a string.

const STORAGE_KEY = "apiSales.language";
const FALLBACK = "en";
const CATALOGUES = "/assets/i18n/";

async function fetchJson(path) {
  const response = await fetch(path, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// {code: autonym}: the languages offered by the switch in the header.
export const languages = await fetchJson(`${CATALOGUES}languages.json`);

function pick() {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored && stored in languages) return stored;
  for (const tag of navigator.languages || [navigator.language]) {
    const primary = String(tag || "").toLowerCase().split("-")[0];
    if (primary in languages) return primary;
  }
  return FALLBACK;
}

export const language = pick();
const catalogue = await fetchJson(`${CATALOGUES}${language}.json`);
document.documentElement.lang = language;

// The message for `key` with {name} placeholders filled from `vars`. A value that is an
// object holds plural forms ({one, other}) chosen by Intl.PluralRules for vars.count.
export function t(key, vars = {}) {
  let message = catalogue[key];
  if (message === undefined) {
    console.error(`i18n: no message "${key}" in ${language}.json`); // i18n-exempt: for developers
    return key;
  }
  if (typeof message === "object") {
    const form = new Intl.PluralRules(language).select(Number(vars.count));
    message = message[form] ?? message.other;
  }
  return message.replace(/\{(\w+)\}/g, (whole, name) =>
    (name in vars ? String(vars[name]) : whole));
}

export function hasMessage(key) {
  return key in catalogue;
}

// Fills a text with the only markup messages may carry, <code>…</code>, as real elements
// (never innerHTML: messages are data).
export function fillText(element, message) {
  const parts = message.split(/<code>(.*?)<\/code>/);
  element.replaceChildren(...parts.map((part, index) => {
    if (index % 2 === 0) return document.createTextNode(part);
    const code = document.createElement("code");
    code.textContent = part;
    return code;
  }));
}

// Every element under `root` with data-i18n="key" gets the message as its text; with
// data-i18n-attr="attribute:key;attribute:key" the messages as attributes.
export function translate(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    fillText(element, t(element.dataset.i18n));
  }
  for (const element of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of element.dataset.i18nAttr.split(";")) {
      const [attribute, key] = pair.split(":");
      element.setAttribute(attribute.trim(), t(key.trim()));
    }
  }
}

export function setLanguage(code) {
  localStorage.setItem(STORAGE_KEY, code);
}

// ---- numbers, prices and dates ------------------------------------------------------------
export function formatNumber(value) {
  return new Intl.NumberFormat(language).format(value);
}

// Stripe's unit amounts are in the currency's minor unit; Intl knows how many a currency
// has (JPY none, USD two), so ¥980 stays 980 and $9.80 is 980 cents.
export function formatMoney(unitAmount, currency) {
  const format = new Intl.NumberFormat(language, { style: "currency", currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(unitAmount / 10 ** digits);
}

// The reader's time zone is Intl's default: no timeZone option on purpose.
export function formatDate(value) {
  const date = toDate(value);
  return date ? new Intl.DateTimeFormat(language, { dateStyle: "long" }).format(date) : "";
}

export function formatDateTime(value) {
  const date = toDate(value);
  return date
    ? new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(date)
    : "";
}

// Epoch seconds (the API's subscription dates) or an ISO 8601 string (the mail's dates).
function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = typeof value === "number" || /^\d+$/.test(String(value))
    ? new Date(Number(value) * 1000)
    : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
