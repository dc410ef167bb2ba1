/**
 * An operation's log, streamed while the operation runs: the logs endpoint is read again every
 * second for what was written after the bytes already shown (a Range request) and that text is
 * appended. Following keeps the end in view (scrolling up stops it); the log
 * can be downloaded as a file.
 */
import { describeFailure, type Api, type Reply } from "../api";
import { h } from "../dom";

export interface LogView {
  element: HTMLElement;
  /** Reads the log once more; when the operation has ended, the last read shows the whole log. */
  refresh(running: boolean): Promise<void>;
}

export function logView(api: Api, logPath: string, fileName: string, signal: AbortSignal): LogView {
  let text = "";
  /** Bytes of the log shown so far: the next read asks for what came after them. */
  let bytes = 0;
  let follow = true;
  const lines = h("pre", {
    class: "log",
    tabindex: 0,
    role: "log",
    "aria-live": "off",
    "aria-label": "Operation log",
  });
  const state = h("p", { class: "log-state", role: "status" });
  const failureSlot = h("div", { class: "failure-slot" });
  const followButton = h("button", { type: "button", class: "secondary", "aria-pressed": "true" }, "Follow");
  const download = h("a", { class: "button secondary", download: fileName, href: "#" }, "Download");

  const setFollow = (on: boolean) => {
    follow = on;
    followButton.setAttribute("aria-pressed", String(on));
    followButton.textContent = on ? "Following: stop" : "Follow";
    if (on) lines.scrollTop = lines.scrollHeight;
  };
  setFollow(true);
  followButton.addEventListener("click", () => setFollow(!follow));
  lines.addEventListener("scroll", () => {
    const atEnd = lines.scrollHeight - lines.scrollTop - lines.clientHeight < 8;
    if (!atEnd && follow) setFollow(false);
  });
  download.addEventListener("click", (event) => {
    // The link gets the text when it is clicked: what is downloaded is what is shown.
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    download.href = url;
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    if (text === "") event.preventDefault();
  });

  const element = h(
    "section",
    { class: "log-view", "aria-label": "Log" },
    h("div", { class: "toolbar" }, followButton, download),
    state,
    failureSlot,
    lines,
  );

  /**
   * What was written after the bytes shown, from the last of them on (`Range: bytes=N-`): every
   * append ends with a newline, so the answer starts with the "\n" already shown, and a range
   * that starts inside the log is never refused. Anything else, the whole log.
   */
  const readNew = async (): Promise<Reply<string>> => {
    if (bytes > 0) {
      const reply = await api.call<string>("GET", logPath, {
        signal,
        headers: { range: `bytes=${bytes - 1}-` },
      });
      if (reply.status === 206 && reply.body.startsWith("\n")) return reply;
    }
    return api.call<string>("GET", logPath, { signal });
  };

  return {
    element,
    async refresh(running) {
      let reply: Reply<string>;
      try {
        reply = await readNew();
      } catch (error) {
        if (signal.aborted) return;
        failureSlot.replaceChildren(
          h("p", { class: "failure", role: "alert" }, describeFailure("The log could not be read", error)),
        );
        return;
      }
      failureSlot.replaceChildren();
      if (reply.status === 206) {
        lines.append(reply.body.slice(1));
        text += reply.body.slice(1);
        bytes = Number(/-(\d+)\//.exec(reply.headers.get("content-range") ?? "")?.[1]) + 1;
      } else {
        lines.textContent = reply.body;
        text = reply.body;
        bytes = new TextEncoder().encode(text).length;
      }
      if (text === "") lines.textContent = "";
      state.textContent = running
        ? `Live: the operation is running; new lines appear as they come (${countLines(text)} so far).`
        : `The operation has ended; this is its whole log (${countLines(text)} lines).`;
      lines.dataset.running = String(running);
      if (follow) lines.scrollTop = lines.scrollHeight;
    },
  };
}

function countLines(text: string): number {
  if (text === "") return 0;
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}
