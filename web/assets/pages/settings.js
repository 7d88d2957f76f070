// Account settings: change the password; delete the account (a typed email confirms it).
import {
  $, api, changePassword, errorText, forgetSession, normaliseEmail, requireSession, say, start,
  t, wireHeader,
} from "../app.js";

let session = null;

function wirePassword() {
  $("#password-username").value = session.email;
  $("#password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = $("#change-password");
    const message = $("#password-message");
    button.disabled = true;
    say(message, t("password.changing"));
    try {
      await changePassword($("#current-password").value, $("#new-password").value);
      event.target.reset();
      say(message, t("password.changed"));
    } catch (error) {
      // A wrong current password is NotAuthorizedException: say it as such here.
      const text = error.code === "NotAuthorizedException" ? t("password.currentWrong") : error.message;
      say(message, t("password.changeFailed", { message: text }), "error");
    } finally {
      button.disabled = false;
    }
  });
}

// Two steps, no browser dialog: the button opens a form that only the account's own email
// (typed) can submit; "Keep my account" closes it again.
function wireDelete() {
  const form = $("#delete-confirm");
  const open = (on) => {
    form.hidden = !on;
    $("#delete-start").hidden = on;
    $("#delete-start").setAttribute("aria-expanded", String(on));
    say($("#delete-message"), "");
    if (on) $("#delete-email").focus();
    else $("#delete-start").focus();
  };
  const matches = () => normaliseEmail($("#delete-email").value) === normaliseEmail(session.email);
  $("#delete-start").addEventListener("click", () => open(true));
  $("#delete-no").addEventListener("click", () => {
    $("#delete-email").value = "";
    open(false);
  });
  $("#delete-email").addEventListener("input", () => { $("#delete-yes").disabled = !matches(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!matches()) {
      say($("#delete-message"), t("account.delete.mismatch"), "error");
      return;
    }
    $("#delete-yes").disabled = true;
    $("#delete-no").disabled = true;
    say($("#delete-message"), t("account.delete.working"), "info");
    const result = await api("DELETE", "/account", {
      token: session.idToken, body: { confirm_email: normaliseEmail(session.email) },
    });
    // 410: an earlier attempt finished meanwhile; either way the account is gone.
    if (result.ok || result.data?.error?.code === "account_deleted") {
      await forgetSession();
      location.assign("/goodbye/");
      return;
    }
    // Safe to repeat: a retry finishes a deletion that failed half-way.
    say($("#delete-message"), t("account.delete.failed", { error: errorText(result) }), "error");
    $("#delete-yes").disabled = !matches();
    $("#delete-no").disabled = false;
  });
}

start(async () => {
  session = await requireSession();
  wireHeader(session);
  $("#settings-email").textContent = session.email;
  wirePassword();
  wireDelete();
  for (const button of document.querySelectorAll("#main button")) button.disabled = false;
  $("#delete-yes").disabled = true;
});
