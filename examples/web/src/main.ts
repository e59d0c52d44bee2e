// The page: forms for sign-up, sign-in, the bio and following, each showing an error next to the field the
// server names (extensions.field), and any other error above the form's button.
import "./style.css";
import { ApiError, keep, onSessionEnd, run, signOut, type Problem } from "./api";
import { FOLLOW, LOGIN, ME, REGISTER, UPDATE_BIO } from "./documents";

const $ = <T extends HTMLElement>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`missing ${selector}`);
  return element;
};

const signedOut = $<HTMLElement>("#signed-out");
const signedInView = $<HTMLElement>("#signed-in");

function clearErrors(form: HTMLFormElement): void {
  for (const slot of form.querySelectorAll<HTMLElement>("[data-error-for]")) slot.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** Each problem next to its field when the form has that field, else in the form's general slot. */
function showErrors(form: HTMLFormElement, error: unknown): void {
  clearErrors(form);
  const problems: Problem[] = error instanceof ApiError ? error.problems : [{ message: String(error) }];
  for (const problem of problems) {
    const field = problem.field && form.elements.namedItem(problem.field);
    const slot =
      field instanceof HTMLElement
        ? form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(problem.field ?? "")}"]`)
        : null;
    if (field instanceof HTMLElement && slot) {
      field.setAttribute("aria-invalid", "true");
      slot.textContent = [slot.textContent, problem.message].filter(Boolean).join(" ");
    } else {
      const general = form.querySelector<HTMLElement>('[data-error-for=""]');
      if (general) general.textContent = [general.textContent, problem.message].filter(Boolean).join(" ");
    }
  }
}

function value(form: HTMLFormElement, name: string): string {
  const field = form.elements.namedItem(name);
  return field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement ? field.value : "";
}

/** Submit handler: run the action, show its errors on the form; the button is off while it runs. */
function handle(form: HTMLFormElement, action: (form: HTMLFormElement) => Promise<void>): void {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button?.setAttribute("disabled", "");
    try {
      await action(form);
      clearErrors(form);
    } catch (error) {
      showErrors(form, error);
    } finally {
      button?.removeAttribute("disabled");
    }
  });
}

/** Show the signed-in view with the server's me; with `fillBio`, the bio field too (else it keeps what is typed). */
async function showMe(fillBio = false): Promise<void> {
  const { me } = await run(ME, {});
  $("#me-name").textContent = me.userName;
  $("#me-bio").textContent = me.bio ?? "";
  $("#me-followers").textContent = String(me.followersCount);
  $("#me-following").textContent = String(me.followingCount);
  if (fillBio) $<HTMLTextAreaElement>("#bio").value = me.bio ?? "";
  signedOut.hidden = true;
  signedInView.hidden = false;
}

function showSignedOut(): void {
  signedInView.hidden = true;
  signedOut.hidden = false;
  $("#follow-result").textContent = "";
}

onSessionEnd(showSignedOut);

handle($("#sign-up"), async (form) => {
  const email = value(form, "email").trim();
  const input = { userName: value(form, "userName"), password: value(form, "password"), email: email || null };
  keep((await run(REGISTER, { input })).register); // register signs the new account in
  form.reset();
  await showMe(true);
});

handle($("#sign-in"), async (form) => {
  keep((await run(LOGIN, { userName: value(form, "userName"), password: value(form, "password") })).login);
  form.reset();
  await showMe(true);
});

handle($("#edit-bio"), async (form) => {
  const bio = value(form, "bio");
  await run(UPDATE_BIO, { bio: bio === "" ? null : bio });
  await showMe(true);
});

handle($("#follow"), async (form) => {
  const { follow } = await run(FOLLOW, { userName: value(form, "userName") });
  const requested = follow.status === "REQUESTED" ? " (requested: the account is private)" : "";
  $("#follow-result").textContent =
    `You follow ${follow.user.userName}${requested}; ${follow.user.followersCount} follower(s).`;
  form.reset();
  await showMe();
});

$("#sign-out").addEventListener("click", () => void signOut());
