// The chat box without reloading the page: post the form (with the pressed button, if any),
// append the answer the server drew, keep only the newest LINE quick replies. Without this
// script the same forms still work, one page per answer.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Actions that reach readers (publishing) ask first.
  document.querySelectorAll("form[data-confirm]").forEach((action) => {
    action.addEventListener("submit", (event) => {
      if (!window.confirm(action.dataset.confirm)) event.preventDefault();
    });
  });

  const form = document.getElementById("chat");
  const answers = document.getElementById("answers");
  const transcript = document.getElementById("transcript");
  if (!form || !transcript) return;
  const input = form.querySelector("input[name=text]");
  let busy = false;

  // "chat" is the text box (Enter and "Send" submit it, and the examples); "answers" is every
  // button drawn in the transcript. Both post the chat's fields, plus the pressed button.
  const send = async (event) => {
    event.preventDefault();
    if (busy) return;
    const button = event.submitter && event.submitter.name ? event.submitter : null;
    const data = new FormData(form);
    if (button && button.name === "button") {
      data.set("text", "");
      data.set("button", button.value);
      data.set("label", button.dataset.label || button.textContent.trim());
    } else if (button && button.name === "text") {
      data.set("text", button.value);
    } else if (event.target !== form) {
      return;
    }
    if (!data.get("text") && !data.get("button")) return;
    busy = true;
    form.classList.add("busy");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { "X-Haishin-Fragment": "1" },
        credentials: "same-origin",
      });
      const html = await response.text();
      if (!response.ok) {
        location.reload();
        return;
      }
      transcript.querySelector(".transcript-empty")?.remove();
      transcript.querySelectorAll(".ln-quick").forEach((bar) => bar.remove());
      transcript.insertAdjacentHTML("beforeend", html);
      transcript.lastElementChild?.scrollIntoView({ block: "start", behavior: "smooth" });
      // A refused message stays in the box, to be shortened.
      if (!button && !transcript.lastElementChild?.querySelector(".chat-error")) input.value = "";
    } finally {
      busy = false;
      form.classList.remove("busy");
      input.focus();
    }
  };
  form.addEventListener("submit", send);
  answers?.addEventListener("submit", send);
});
