import {
  $, confirmSignUp, hostedUiAvailable, loadConfig, normaliseEmail, resendCode, say, signIn,
  signUp, start, startHostedSignIn, t, wireHeader,
} from "../app.js";

const message = () => $("#auth-message");
// Answers that would tell whether an address is registered (docs/web-console.md, "Sign-up
// that does not reveal an address"). SignUp says UsernameExistsException for a taken
// address: the page goes on exactly as for a new one ("check your email for a code").
// Confirming or resending for an address that is already confirmed fails differently from
// a new one's wrong code: both are said as a wrong code / a code sent.
const TAKEN_ADDRESS = "UsernameExistsException";
const CONFIRM_AS_WRONG_CODE = new Set([
  "NotAuthorizedException", "UserNotFoundException", "AliasExistsException",
]);
const RESEND_AS_SENT = new Set(["InvalidParameterException", "UserNotFoundException"]);
const confirmError = () => $("#confirm-error");

// Only same-site paths: ?next= must not send a signed-in user elsewhere.
function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/account/";
}

async function finish(email, password) {
  say(message(), t("signin.signingIn"));
  await signIn(email, password);
  location.assign(nextPage());
}

function busy(form, on) {
  for (const button of form.querySelectorAll("button")) button.disabled = on;
}

function showConfirm(email, password) {
  $("#confirm-section").hidden = false;
  $("#confirm-intro").textContent = t("confirm.intro", { email });
  $("#confirm-form").dataset.email = email;
  $("#confirm-form").dataset.password = password;
  say(confirmError(), "");
  $("#confirm-code").focus();
}

// The plan a new account starts on: the stack's default plan, else the first free one.
function startingPlan(config) {
  const plans = config.plans || [];
  return config.defaultPlan || plans.find((plan) => !plan.price)?.name || plans[0]?.name || "";
}

start(async () => {
  wireHeader(null);
  const config = await loadConfig();
  $("#sign-up-hint").textContent = t("signin.startingPlan", { plan: startingPlan(config) });

  if (await hostedUiAvailable()) {
    $("#hosted-section").hidden = false;
    const button = $("#hosted-sign-in");
    // Coming back with the Back button restores this page from the cache: enable it again.
    addEventListener("pageshow", () => { button.disabled = false; });
    button.addEventListener("click", async () => {
      button.disabled = true;
      say(message(), t("signin.openingHosted"));
      try {
        await startHostedSignIn(nextPage());
      } catch (error) {
        button.disabled = false;
        say(message(), t("signin.hostedFailed", { message: error.message }), "error");
      }
    });
  }

  $("#sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const email = normaliseEmail($("#sign-in-email").value);
    const password = $("#sign-in-password").value;
    busy(form, true);
    try {
      await finish(email, password);
    } catch (error) {
      if (error.code === "UserNotConfirmedException") {
        say(message(), t("signin.confirmFirst"), "error");
        showConfirm(email, password);
      } else {
        say(message(), t("signin.failed", { message: error.message }), "error");
      }
    } finally {
      busy(form, false);
    }
  });

  $("#sign-up-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const email = normaliseEmail($("#sign-up-email").value);
    const password = $("#sign-up-password").value;
    busy(form, true);
    say(message(), t("signin.creating"));
    try {
      let result;
      try {
        result = await signUp(email, password);
      } catch (error) {
        if (error.code !== TAKEN_ADDRESS) throw error;
        result = null; // taken: show what a new address shows, confirm nothing
      }
      if (result?.userConfirmed) return await finish(email, password);
      if (result && config.autoConfirmUrl) {
        // The sandbox confirms at once instead of emailing a code.
        const response = await fetch(config.autoConfirmUrl, {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ email }),
        });
        if (response.ok) return await finish(email, password);
      }
      say(message(), t("signin.checkEmail"));
      showConfirm(email, password);
    } catch (error) {
      say(message(), t("signin.signUpFailed", { message: error.message }), "error");
    } finally {
      busy(form, false);
    }
  });

  // Errors of the code form are said next to it: the reader is looking at the form, and
  // the page's message area may be far above, out of view.
  $("#confirm-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form, true);
    say(confirmError(), "");
    try {
      await confirmSignUp(form.dataset.email, $("#confirm-code").value.trim());
      if (form.dataset.password) return await finish(form.dataset.email, form.dataset.password);
      say(message(), t("confirm.done"));
    } catch (error) {
      const text = CONFIRM_AS_WRONG_CODE.has(error.code) ? t("cognito.CodeMismatchException") : error.message;
      say(confirmError(), t("confirm.failed", { message: text }), "error");
      $("#confirm-code").focus();
    } finally {
      busy(form, false);
    }
  });

  $("#resend-code").addEventListener("click", async () => {
    say(confirmError(), "");
    try {
      await resendCode($("#confirm-form").dataset.email);
      say(message(), t("confirm.resent"));
    } catch (error) {
      if (RESEND_AS_SENT.has(error.code)) return say(message(), t("confirm.resent"));
      say(confirmError(), t("confirm.resendFailed", { message: error.message }), "error");
    }
  });
  // The page's buttons come disabled: a click before this point would submit natively.
  for (const button of document.querySelectorAll("#main form button")) button.disabled = false;
});
