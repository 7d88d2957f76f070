// Forgot password: ask for a code, then set a new password with it. The page says the same
// whether or not the address has an account (docs/web-console.md, "Passwords").
import {
  $, confirmForgotPassword, forgotPassword, loadConfig, normaliseEmail, say, start, t, wireHeader,
} from "../app.js";

// Answers that would tell an unknown or unconfirmed address from a known one: said as if a
// code had been sent. (With PreventUserExistenceErrors ENABLED Cognito already does so.)
const HIDDEN_ERRORS = new Set(["UserNotFoundException", "InvalidParameterException"]);

function showResetForm(email) {
  $("#reset-section").hidden = false;
  $("#reset-intro").textContent = t("password.sentIntro", { email });
  $("#reset-form").dataset.email = email;
  $("#reset-code").focus();
}

// The sandbox has no mailbox for Cognito's mail: its server reads the code ministack
// recorded and the form is filled in, standing in for the email.
async function fillSandboxCode(config, email) {
  if (!config.passwordResetCodeUrl) return;
  const response = await fetch(config.passwordResetCodeUrl, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email }),
  });
  if (!response.ok) return;
  const { code } = await response.json();
  $("#reset-code").value = code;
  say($("#reset-code-hint"), t("password.sandboxCode"));
}

start(async () => {
  wireHeader(null);
  const config = await loadConfig();
  const email = new URLSearchParams(location.search).get("email");
  if (email) $("#reset-email").value = email;

  $("#request-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const address = normaliseEmail($("#reset-email").value);
    $("#request-code").disabled = true;
    say($("#reset-message"), t("password.requesting"));
    try {
      await forgotPassword(address);
    } catch (error) {
      if (!HIDDEN_ERRORS.has(error.code)) {
        say($("#reset-message"), t("password.requestFailed", { message: error.message }), "error");
        $("#request-code").disabled = false;
        return;
      }
    }
    say($("#reset-message"), t("password.sent"));
    showResetForm(address);
    await fillSandboxCode(config, address);
    $("#request-code").disabled = false;
  });

  $("#reset-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    $("#reset-button").disabled = true;
    say($("#reset-error"), "");
    try {
      await confirmForgotPassword(form.dataset.email, $("#reset-code").value.trim(),
        $("#reset-password").value);
      form.reset();
      $("#reset-section").hidden = true;
      say($("#reset-message"), t("password.resetDone"));
      $("#reset-done").hidden = false;
      $("#reset-done a").focus();
    } catch (error) {
      say($("#reset-error"), t("password.resetFailed", { message: error.message }), "error");
      $("#reset-code").focus();
    } finally {
      $("#reset-button").disabled = false;
    }
  });
  for (const button of document.querySelectorAll("#main form button")) button.disabled = false;
});
