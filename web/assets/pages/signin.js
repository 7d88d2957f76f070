import {
  $, confirmSignUp, hostedUiAvailable, loadConfig, resendCode, say, signIn, signUp,
  start, startHostedSignIn, wireHeader,
} from "../app.js";

const message = () => $("#auth-message");

// Only same-site paths: ?next= must not send a signed-in user elsewhere.
function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/account/";
}

async function finish(email, password) {
  say(message(), "Signing in…");
  await signIn(email, password);
  location.assign(nextPage());
}

function busy(form, on) {
  for (const button of form.querySelectorAll("button")) button.disabled = on;
}

function showConfirm(email, password) {
  $("#confirm-section").hidden = false;
  $("#confirm-email").textContent = email;
  $("#confirm-form").dataset.email = email;
  $("#confirm-form").dataset.password = password;
  $("#confirm-code").focus();
}

start(async () => {
  wireHeader(null);
  const config = await loadConfig();

  if (await hostedUiAvailable()) {
    $("#hosted-section").hidden = false;
    const button = $("#hosted-sign-in");
    // Coming back with the Back button restores this page from the cache: enable it again.
    addEventListener("pageshow", () => { button.disabled = false; });
    button.addEventListener("click", async () => {
      button.disabled = true;
      say(message(), "Opening the hosted sign-in page…");
      try {
        await startHostedSignIn(nextPage());
      } catch (error) {
        button.disabled = false;
        say(message(), `Could not open the hosted page: ${error.message}`, "error");
      }
    });
  }

  $("#sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const email = $("#sign-in-email").value.trim();
    const password = $("#sign-in-password").value;
    busy(form, true);
    try {
      await finish(email, password);
    } catch (error) {
      if (error.code === "UserNotConfirmedException") {
        say(message(), "Confirm your email first: enter the code we sent you.", "error");
        showConfirm(email, password);
      } else {
        say(message(), `Sign-in failed: ${error.message}`, "error");
      }
    } finally {
      busy(form, false);
    }
  });

  $("#sign-up-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const email = $("#sign-up-email").value.trim();
    const password = $("#sign-up-password").value;
    busy(form, true);
    say(message(), "Creating your account…");
    try {
      const result = await signUp(email, password);
      if (result.userConfirmed) return await finish(email, password);
      if (config.autoConfirmUrl) {
        // The sandbox confirms at once instead of emailing a code.
        const response = await fetch(config.autoConfirmUrl, {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ email }),
        });
        if (response.ok) return await finish(email, password);
      }
      say(message(), "Account created. Check your email for the confirmation code.");
      showConfirm(email, password);
    } catch (error) {
      say(message(), `Sign-up failed: ${error.message}`, "error");
    } finally {
      busy(form, false);
    }
  });

  $("#confirm-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form, true);
    try {
      await confirmSignUp(form.dataset.email, $("#confirm-code").value.trim());
      if (form.dataset.password) return await finish(form.dataset.email, form.dataset.password);
      say(message(), "Email confirmed. Sign in with your password.");
    } catch (error) {
      say(message(), `Confirmation failed: ${error.message}`, "error");
    } finally {
      busy(form, false);
    }
  });

  $("#resend-code").addEventListener("click", async () => {
    try {
      await resendCode($("#confirm-form").dataset.email);
      say(message(), "A new code is on its way.");
    } catch (error) {
      say(message(), `Could not send a code: ${error.message}`, "error");
    }
  });
});
