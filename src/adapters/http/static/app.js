// Parley's chat page. Plain DOM over the public API of API.md (and, in dev mode, POST /dev/token).
// Text from the server or the user is only ever set with textContent: never parsed as HTML.

import {
  ApiError,
  api,
  configure,
  conversationPath,
  issueDevToken,
  newClientMessageId,
  problemOf,
  readEvents,
  sendForStream,
  sleep,
} from "./api.js";
import {
  auth,
  claimsOf,
  forgetSession,
  fragmentParams,
  keepSession,
  rememberedUserId,
  restoreSession,
  setFragmentValue,
  takeTokenFromFragment,
} from "./session.js";

const $ = (id) => document.getElementById(id);

const PAGE_OF_CONVERSATIONS = 20;
const PAGE_OF_MESSAGES = 50;
const NEAR_EDGE_PX = 120;
const MAX_IN_PROGRESS_WAITS = 20;
const AUTO_TITLE_CHARS = 60;

const ui = {
  signin: $("signin"),
  devSignin: $("dev-signin"),
  tokenSignin: $("token-signin"),
  userId: $("user-id"),
  tokenInput: $("token-input"),
  signinError: $("signin-error"),
  app: $("app"),
  account: $("account"),
  accountName: $("account-name"),
  signOut: $("sign-out"),
  sidebarToggle: $("sidebar-toggle"),
  backdrop: $("backdrop"),
  newChat: $("new-chat"),
  statusFilter: $("status-filter"),
  conversationScroller: $("conversation-scroller"),
  conversationList: $("conversation-list"),
  conversationsEmpty: $("conversations-empty"),
  moreConversations: $("more-conversations"),
  title: $("conversation-title"),
  paneActions: $("pane-actions"),
  rename: $("rename"),
  renameForm: $("rename-form"),
  renameInput: $("rename-input"),
  renameCancel: $("rename-cancel"),
  archive: $("archive"),
  messageScroller: $("message-scroller"),
  olderMessages: $("older-messages"),
  messages: $("messages"),
  emptyChat: $("empty-chat"),
  failure: $("failure"),
  failureText: $("failure-text"),
  retry: $("retry"),
  dismiss: $("dismiss"),
  composer: $("composer"),
  input: $("composer-input"),
  send: $("send"),
  announcer: $("announcer"),
};

const state = {
  conversations: new Map(),
  order: [],
  filter: "active",
  nextCursor: null,
  listLoaded: false,
  listLoading: false,
  listGeneration: 0,
  current: null,
  openGeneration: 0,
  messages: new Map(),
  hasOlder: false,
  loadingOlder: false,
  myAgentId: null,
  busy: false,
  turn: null,
  starting: null,
  opening: null,
  retryAction: null,
};

// ------------------------------------------------------------------ signing in

async function signInAsDevUser(userId) {
  keepSession(await issueDevToken(userId), userId);
}

function showSignIn(message = "") {
  document.body.classList.remove("signed-in", "sidebar-open");
  ui.app.hidden = true;
  ui.account.hidden = true;
  ui.signin.hidden = false;
  ui.devSignin.hidden = auth.mode !== "dev";
  ui.tokenSignin.hidden = auth.mode === "dev";
  ui.signinError.textContent = message;
  (auth.mode === "dev" ? ui.userId : ui.tokenInput).focus();
}

function signOut(message = "") {
  const wasSignedIn = auth.token !== null;
  forgetSession();
  state.myAgentId = null;
  state.listGeneration += 1;
  state.openGeneration += 1;
  if (wasSignedIn || message) showSignIn(message);
}

async function enterApp() {
  const claims = claimsOf(auth.token);
  ui.accountName.textContent = claims.name || claims.email || auth.userId || claims.sub || "";
  ui.signin.hidden = true;
  ui.app.hidden = false;
  ui.account.hidden = false;
  document.body.classList.add("signed-in");
  const wanted = fragmentParams().get("conversation");
  resetConversation();
  await reloadConversations();
  if (!auth.token) return;
  if (wanted) await openConversation(wanted);
  else ui.input.focus();
}

// ------------------------------------------------------------------ the list of conversations

const timeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function lastActivity(conversation) {
  return conversation.last_message_at || conversation.created_at;
}

function relativeTime(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const size = Math.abs(seconds);
  if (size < 45) return "just now";
  if (size < 3600) return timeFormat.format(Math.round(seconds / 60), "minute");
  if (size < 86400) return timeFormat.format(Math.round(seconds / 3600), "hour");
  if (size < 604800) return timeFormat.format(Math.round(seconds / 86400), "day");
  return dateFormat.format(new Date(iso));
}

function titleOf(conversation) {
  return conversation?.title || "Untitled chat";
}

async function reloadConversations() {
  state.listGeneration += 1;
  state.conversations.clear();
  state.order = [];
  state.nextCursor = null;
  state.listLoaded = false;
  state.listLoading = false;
  renderConversations();
  await loadConversations();
}

async function loadConversations() {
  if (state.listLoading || (state.listLoaded && !state.nextCursor)) return;
  const generation = state.listGeneration;
  state.listLoading = true;
  ui.moreConversations.disabled = true;
  const query = new URLSearchParams({ limit: PAGE_OF_CONVERSATIONS, status: state.filter });
  if (state.nextCursor) query.set("cursor", state.nextCursor);
  try {
    const page = await api("GET", `/api/conversations?${query}`);
    if (generation !== state.listGeneration) return;
    for (const conversation of page.items) {
      if (!state.conversations.has(conversation.id)) state.order.push(conversation.id);
      state.conversations.set(conversation.id, conversation);
    }
    state.nextCursor = page.next_cursor;
    state.listLoaded = true;
  } catch (error) {
    if (generation === state.listGeneration && auth.token) {
      showFailure(`The conversations could not be loaded: ${error.message}`);
    }
    return;
  } finally {
    if (generation === state.listGeneration) {
      state.listLoading = false;
      ui.moreConversations.disabled = false;
    }
  }
  renderConversations();
  // Keep loading while the list does not fill its column, so that scrolling can ask for more.
  const scroller = ui.conversationScroller;
  if (state.nextCursor && scroller.scrollHeight <= scroller.clientHeight + NEAR_EDGE_PX) {
    await loadConversations();
  }
}

function renderConversations() {
  const focusedId = document.activeElement?.dataset?.conversationId;
  const items = state.order.map((id) => conversationItem(state.conversations.get(id)));
  ui.conversationList.replaceChildren(...items);
  ui.conversationsEmpty.hidden = !state.listLoaded || state.order.length > 0;
  ui.conversationsEmpty.textContent =
    state.filter === "archived" ? "No archived conversations." : "No conversations yet.";
  ui.moreConversations.hidden = !state.nextCursor;
  if (focusedId) ui.conversationList.querySelector(`[data-conversation-id="${focusedId}"]`)?.focus();
}

function conversationItem(conversation) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "conversation";
  button.dataset.conversationId = conversation.id;
  if (state.current?.id === conversation.id) button.setAttribute("aria-current", "true");
  const name = document.createElement("span");
  name.className = conversation.title ? "conversation-name" : "conversation-name untitled";
  name.textContent = titleOf(conversation);
  const time = document.createElement("time");
  time.className = "conversation-time";
  time.dateTime = lastActivity(conversation);
  time.title = dateFormat.format(new Date(lastActivity(conversation)));
  time.textContent = relativeTime(lastActivity(conversation));
  button.append(name, time);
  item.append(button);
  return item;
}

// A conversation that changed: kept in the list, first when its activity moved.
function remember(conversation, { toFront = false } = {}) {
  const listed = state.conversations.has(conversation.id);
  const belongs = state.filter === conversation.status;
  if (!belongs) {
    forget(conversation.id);
  } else {
    state.conversations.set(conversation.id, conversation);
    if (!listed || toFront) {
      state.order = [conversation.id, ...state.order.filter((id) => id !== conversation.id)];
    }
  }
  if (state.current?.id === conversation.id) {
    state.current = conversation;
    renderHeader();
  }
  renderConversations();
}

function forget(id) {
  state.conversations.delete(id);
  state.order = state.order.filter((other) => other !== id);
}

// ------------------------------------------------------------------ one conversation

function resetConversation() {
  state.openGeneration += 1;
  state.current = null;
  state.messages.clear();
  state.hasOlder = false;
  state.loadingOlder = false;
  ui.messages.replaceChildren();
  hideFailure();
  closeRename();
  renderHeader();
  renderConversations();
  setFragmentValue("conversation", null);
}

function renderHeader() {
  const conversation = state.current;
  ui.title.textContent = conversation ? titleOf(conversation) : "New chat";
  ui.paneActions.hidden = !conversation;
  ui.archive.textContent = conversation?.status === "archived" ? "Unarchive" : "Archive";
  const archived = conversation?.status === "archived";
  ui.input.disabled = archived;
  ui.input.placeholder = archived
    ? "This conversation is archived: unarchive it to write."
    : "Message the assistant";
  ui.emptyChat.hidden = state.messages.size > 0 || ui.messages.children.length > 0;
  ui.olderMessages.hidden = !state.hasOlder;
  updateSendButton();
}

function openConversation(id, options) {
  const opening = loadConversation(id, options);
  state.opening = opening;
  opening.finally(() => {
    if (state.opening === opening) state.opening = null;
  });
  return opening;
}

async function loadConversation(id, { focus = true } = {}) {
  closeSidebar();
  resetConversation();
  const generation = state.openGeneration;
  ui.emptyChat.hidden = true;
  ui.messageScroller.setAttribute("aria-busy", "true");
  try {
    const [conversation, page] = await Promise.all([
      api("GET", conversationPath(id)),
      api("GET", `${conversationPath(id)}/messages?limit=${PAGE_OF_MESSAGES}`),
    ]);
    if (generation !== state.openGeneration) return;
    state.current = conversation;
    state.myAgentId = conversation.active_chat_session?.agent_id || state.myAgentId;
    state.hasOlder = page.has_more;
    for (const message of page.items) placeMessage(message);
    setFragmentValue("conversation", conversation.id);
    renderHeader();
    renderConversations();
    scrollToBottom();
    offerReplyIfUnanswered(page.items.at(-1));
    if (focus) ui.input.focus();
    await fillOlder();
  } catch (error) {
    if (generation !== state.openGeneration || !auth.token) return;
    resetConversation();
    showFailure(
      error.code === "conversation_not_found"
        ? "That conversation does not exist, or is not yours."
        : `The conversation could not be opened: ${error.message}`,
    );
  } finally {
    if (generation === state.openGeneration) ui.messageScroller.removeAttribute("aria-busy");
  }
}

function offerReplyIfUnanswered(latest) {
  if (!latest || latest.role === "ai_assistant" || state.current?.status !== "active") return;
  const conversationId = state.current.id;
  showFailure("The assistant has not answered the latest message.", () =>
    askForReply(conversationId),
  );
}

function isMine(message) {
  if (message.role !== "iso_agent") return false;
  return !state.myAgentId || message.sender_agent_id === state.myAgentId;
}

function whoWrote(message) {
  if (message.role === "ai_assistant") return "Assistant";
  if (message.role === "operator") return "Operator";
  return isMine(message) ? "You" : "Agent";
}

function messageElement(message, { who, mine, extraClass = "" } = {}) {
  const item = document.createElement("li");
  const ownMessage = mine ?? isMine(message);
  item.className = `message ${ownMessage ? "mine" : "theirs"} ${extraClass}`.trim();
  const label = document.createElement("span");
  label.className = "message-who";
  label.textContent = who ?? whoWrote(message);
  const text = document.createElement("p");
  text.className = "message-text";
  text.textContent = message?.content ?? "";
  item.append(label, text);
  if (message?.sequence) item.dataset.sequence = String(message.sequence);
  if (message?.created_at) item.title = dateFormat.format(new Date(message.created_at));
  return item;
}

// Puts a stored message in its place by sequence; a message already shown is not repeated.
function placeMessage(message, replacing = null) {
  const existing = state.messages.get(message.sequence);
  const element = messageElement(message);
  if (existing) {
    existing.replaceWith(element);
    replacing?.remove();
  } else if (replacing?.isConnected) {
    replacing.replaceWith(element);
  } else {
    const later = [...state.messages.keys()]
      .filter((sequence) => sequence > message.sequence)
      .sort((a, b) => a - b)[0];
    const before = later === undefined ? firstUnstored() : state.messages.get(later);
    ui.messages.insertBefore(element, before);
  }
  state.messages.set(message.sequence, element);
  ui.emptyChat.hidden = true;
  return element;
}

function firstUnstored() {
  return ui.messages.querySelector("li:not([data-sequence])");
}

function lowestSequence() {
  return Math.min(...state.messages.keys());
}

function nearBottom() {
  const s = ui.messageScroller;
  return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_EDGE_PX;
}

function scrollToBottom() {
  ui.messageScroller.scrollTop = ui.messageScroller.scrollHeight;
}

async function loadOlder() {
  if (!state.current || !state.hasOlder || state.loadingOlder || !state.messages.size) return;
  const generation = state.openGeneration;
  const id = state.current.id;
  state.loadingOlder = true;
  ui.olderMessages.disabled = true;
  ui.messageScroller.setAttribute("aria-busy", "true");
  try {
    const query = `limit=${PAGE_OF_MESSAGES}&before=${lowestSequence()}`;
    const page = await api("GET", `${conversationPath(id)}/messages?${query}`);
    if (generation !== state.openGeneration) return;
    const scroller = ui.messageScroller;
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    for (const message of page.items) placeMessage(message);
    state.hasOlder = page.has_more;
    if (!state.hasOlder && document.activeElement === ui.olderMessages) scroller.focus();
    ui.olderMessages.hidden = !state.hasOlder;
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
    announce(`${page.items.length} older messages loaded.`);
  } catch (error) {
    if (generation === state.openGeneration && auth.token) {
      showFailure(`Older messages could not be loaded: ${error.message}`);
    }
  } finally {
    if (generation === state.openGeneration) {
      state.loadingOlder = false;
      ui.olderMessages.disabled = false;
      ui.messageScroller.removeAttribute("aria-busy");
    }
  }
}

// Older pages while the messages do not fill the pane, so that scrolling up can ask for more.
async function fillOlder() {
  const s = ui.messageScroller;
  while (state.hasOlder && state.current && s.scrollHeight <= s.clientHeight) {
    const before = state.messages.size;
    await loadOlder();
    if (state.messages.size === before) break;
  }
}

// ------------------------------------------------------------------ sending, streaming, retrying

function updateSendButton() {
  const archived = state.current?.status === "archived";
  ui.send.disabled = state.busy || archived || !ui.input.value.trim();
  ui.composer.setAttribute("aria-busy", state.busy ? "true" : "false");
}

function setBusy(busy) {
  state.busy = busy;
  updateSendButton();
  ui.retry.disabled = busy;
  if (!busy && (document.activeElement === document.body || document.activeElement === null)) {
    ui.input.focus();
  }
}

function autosize() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${ui.input.scrollHeight + 2}px`;
}

async function submitMessage() {
  const text = ui.input.value;
  if (state.busy || !text.trim() || state.current?.status === "archived") return;
  setBusy(true);
  ui.input.value = "";
  autosize();
  // A conversation still being made or opened: the message goes into it once it is there.
  while (state.starting || state.opening) await (state.starting || state.opening);
  const request = { message: text, client_message_id: newClientMessageId() };
  if (state.current) request.conversation_id = state.current.id;
  const pending = messageElement(
    { content: text },
    { who: "You", mine: true, extraClass: "pending" },
  );
  ui.messages.append(pending);
  ui.emptyChat.hidden = true;
  scrollToBottom();
  await deliver(request, pending);
}

// One attempt (or several, for a send still in progress) at POST /api/chat, streamed. A resend
// carries the same client_message_id, so the server stores the message once whatever happens.
async function deliver(request, pending) {
  hideFailure();
  setBusy(true);
  const turn = { request, pending, bubble: null, text: "", stored: null, done: false };
  state.turn = turn;
  const generation = state.openGeneration;
  const here = () => generation === state.openGeneration;
  announce("Sending…");
  try {
    for (let wait = 0; ; wait += 1) {
      const response = await sendForStream(request);
      if (response.ok) {
        await readEvents(response, (name, data) => onTurnEvent(turn, name, data, here));
        break;
      }
      const error = await problemOf(response);
      if (error.code !== "idempotency_in_progress" || wait >= MAX_IN_PROGRESS_WAITS) throw error;
      await sleep(error.retryAfter * 1000);
    }
    if (!turn.done) throw new Error("the connection closed before the reply was complete");
  } catch (error) {
    if (!auth.token) return;
    turn.bubble?.remove();
    if (!here()) return;
    failedTurn(turn, error);
  } finally {
    release(turn);
  }
}

// The turn is over: another message may be sent (unless a later turn is already on its way).
function release(turn) {
  if (state.turn !== turn) return;
  state.turn = null;
  setBusy(false);
}

function onTurnEvent(turn, name, data, here) {
  if (name === "user_message") {
    turn.stored = data.user_message;
    state.myAgentId = data.user_message.sender_agent_id;
    const isNew = !state.current;
    if (here() && isNew) {
      state.current = data.conversation;
      setFragmentValue("conversation", data.conversation.id);
    }
    remember(data.conversation, { toFront: true });
    if (!here()) return;
    placeMessage(data.user_message, turn.pending);
    turn.bubble = messageElement(null, { who: "Assistant", mine: false, extraClass: "streaming" });
    turn.bubble.setAttribute("aria-busy", "true");
    ui.messages.append(turn.bubble);
    scrollToBottom();
    announce("The assistant is replying…");
  } else if (name === "delta") {
    turn.text += data.text;
    if (!turn.bubble || !here()) return;
    const follow = nearBottom();
    turn.bubble.querySelector(".message-text").textContent = turn.text;
    if (follow) scrollToBottom();
  } else if (name === "assistant_message") {
    turn.done = true;
    release(turn);
    if (here()) {
      placeMessage(data, turn.bubble);
      scrollToBottom();
    }
    announce(`Assistant: ${data.content}`);
    replied(data, turn.request.message);
  } else if (name === "error") {
    turn.done = true;
    release(turn);
    turn.bubble?.remove();
    if (!here()) return;
    const conversationId = data.conversation_id || state.current?.id;
    if (data.user_message) placeMessage(data.user_message, turn.pending);
    showFailure(assistantFailed(), () => askForReply(conversationId));
  }
}

function assistantFailed() {
  return "The assistant could not answer. Your message is saved: press Retry to ask again.";
}

function failedTurn(turn, error) {
  if (error instanceof ApiError && error.code === "assistant_unavailable") {
    if (error.problem?.user_message) placeMessage(error.problem.user_message, turn.pending);
    const conversationId = error.problem?.conversation_id || state.current?.id;
    showFailure(assistantFailed(), () => askForReply(conversationId));
    return;
  }
  if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
    // Refused as it is (too long, archived, ...): nothing was stored; give the text back.
    turn.pending?.remove();
    if (!ui.input.value) {
      ui.input.value = turn.request.message;
      autosize();
    }
    showFailure(`The message was not sent: ${error.message}`);
    return;
  }
  const reason = error instanceof ApiError ? error.message : "the connection was lost";
  showFailure(`The message may not have been delivered: ${reason}.`, () =>
    deliver(turn.request, turn.stored ? null : turn.pending),
  );
}

async function askForReply(conversationId) {
  hideFailure();
  const turn = {};
  state.turn = turn;
  setBusy(true);
  const generation = state.openGeneration;
  const waiting = messageElement(null, { who: "Assistant", mine: false, extraClass: "waiting" });
  waiting.setAttribute("aria-busy", "true");
  ui.messages.append(waiting);
  scrollToBottom();
  announce("Asking the assistant again…");
  try {
    const body = await api("POST", `${conversationPath(conversationId)}/reply`);
    if (generation !== state.openGeneration) return;
    placeMessage(body.assistant_message, waiting);
    scrollToBottom();
    announce(`Assistant: ${body.assistant_message.content}`);
    replied(body.assistant_message, null);
  } catch (error) {
    waiting.remove();
    if (generation !== state.openGeneration || !auth.token) return;
    showFailure(
      error.code === "assistant_unavailable"
        ? assistantFailed()
        : `The assistant could not be asked: ${error.message}`,
      () => askForReply(conversationId),
    );
  } finally {
    release(turn);
  }
}

// The conversation moved: its latest activity is the reply; an untitled one is named after the
// first message sent in it.
function replied(reply, firstText) {
  const conversation = state.conversations.get(reply.conversation_id) || state.current;
  if (!conversation || conversation.id !== reply.conversation_id) return;
  const updated = {
    ...conversation,
    last_message_at: reply.created_at,
    message_count: Math.max(conversation.message_count, reply.sequence),
  };
  remember(updated, { toFront: true });
  if (!conversation.title && firstText && reply.sequence === 2) nameAfter(updated, firstText);
}

async function nameAfter(conversation, text) {
  const words = text.replace(/\s+/g, " ").trim();
  const title = words.length > AUTO_TITLE_CHARS ? `${words.slice(0, AUTO_TITLE_CHARS - 1)}…` : words;
  try {
    remember(await api("PATCH", conversationPath(conversation.id), { title }));
  } catch {
    // An untitled conversation is still a good one.
  }
}

function showFailure(text, retry = null) {
  ui.failureText.textContent = text;
  state.retryAction = retry;
  ui.retry.hidden = !retry;
  ui.retry.disabled = state.busy;
  ui.failure.hidden = false;
  const active = document.activeElement;
  if (retry && (active === document.body || active === ui.send || active === null)) {
    ui.retry.focus();
  }
}

function hideFailure() {
  ui.failure.hidden = true;
  ui.failureText.textContent = "";
  state.retryAction = null;
}

function announce(text) {
  ui.announcer.textContent = text;
}

// ------------------------------------------------------------------ new, rename, archive

function newChat() {
  state.starting ??= startChat().finally(() => {
    state.starting = null;
  });
  return state.starting;
}

async function startChat() {
  closeSidebar();
  ui.newChat.disabled = true;
  try {
    const started = await api("POST", "/api/chat/init", {});
    if (state.filter !== "active") {
      ui.statusFilter.value = "active";
      state.filter = "active";
      await reloadConversations();
    }
    resetConversation();
    state.current = started.conversation;
    state.myAgentId = started.chat_session.agent_id;
    remember(started.conversation, { toFront: true });
    setFragmentValue("conversation", started.conversation.id);
    renderHeader();
    announce("New conversation started.");
    ui.input.focus();
  } catch (error) {
    if (auth.token) showFailure(`A new conversation could not be started: ${error.message}`);
  } finally {
    ui.newChat.disabled = false;
  }
}

function openRename() {
  if (!state.current) return;
  ui.renameInput.value = state.current.title || "";
  ui.title.hidden = true;
  ui.paneActions.hidden = true;
  ui.renameForm.hidden = false;
  ui.renameInput.focus();
  ui.renameInput.select();
}

function closeRename({ focusButton = false } = {}) {
  ui.renameForm.hidden = true;
  ui.title.hidden = false;
  ui.paneActions.hidden = !state.current;
  if (focusButton) ui.rename.focus();
}

async function rename() {
  const conversation = state.current;
  if (!conversation) return;
  const title = ui.renameInput.value.trim();
  try {
    remember(await api("PATCH", conversationPath(conversation.id), { title: title || null }));
    announce(title ? `Renamed to ${title}.` : "Title cleared.");
    closeRename({ focusButton: true });
  } catch (error) {
    if (auth.token) showFailure(`The conversation could not be renamed: ${error.message}`);
  }
}

async function toggleArchive() {
  const conversation = state.current;
  if (!conversation) return;
  const status = conversation.status === "archived" ? "active" : "archived";
  try {
    const updated = await api("PATCH", conversationPath(conversation.id), { status });
    remember(updated);
    announce(status === "archived" ? "Conversation archived." : "Conversation unarchived.");
    ui.archive.focus();
  } catch (error) {
    if (auth.token) showFailure(`The conversation could not be changed: ${error.message}`);
  }
}

// ------------------------------------------------------------------ the sidebar on a phone

const narrow = window.matchMedia("(max-width: 760px)");

function openSidebar() {
  document.body.classList.add("sidebar-open");
  ui.sidebarToggle.setAttribute("aria-expanded", "true");
  ui.backdrop.hidden = false;
  ui.newChat.focus();
}

function closeSidebar({ focusToggle = false } = {}) {
  if (!document.body.classList.contains("sidebar-open")) return;
  document.body.classList.remove("sidebar-open");
  ui.sidebarToggle.setAttribute("aria-expanded", "false");
  ui.backdrop.hidden = true;
  if (focusToggle) ui.sidebarToggle.focus();
}

// ------------------------------------------------------------------ wiring

function bind() {
  ui.devSignin.addEventListener("submit", async (event) => {
    event.preventDefault();
    const userId = ui.userId.value.trim();
    if (!userId) {
      ui.signinError.textContent = "Enter a user id.";
      ui.userId.focus();
      return;
    }
    try {
      await signInAsDevUser(userId);
      ui.signinError.textContent = "";
      await enterApp();
    } catch (error) {
      ui.signinError.textContent = `Could not sign in: ${error.message}`;
    }
  });

  ui.tokenSignin.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = ui.tokenInput.value.trim().replace(/^Bearer\s+/i, "");
    if (!token) {
      ui.signinError.textContent = "Paste a session token.";
      ui.tokenInput.focus();
      return;
    }
    ui.tokenInput.value = "";
    keepSession(token);
    ui.signinError.textContent = "";
    await enterApp();
  });

  ui.signOut.addEventListener("click", () => {
    setFragmentValue("conversation", null);
    signOut();
  });

  ui.sidebarToggle.addEventListener("click", () => {
    if (document.body.classList.contains("sidebar-open")) closeSidebar({ focusToggle: true });
    else openSidebar();
  });
  ui.backdrop.addEventListener("click", () => closeSidebar({ focusToggle: true }));
  narrow.addEventListener("change", () => closeSidebar());

  ui.newChat.addEventListener("click", newChat);
  ui.statusFilter.addEventListener("change", async () => {
    state.filter = ui.statusFilter.value;
    await reloadConversations();
  });
  ui.conversationList.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-conversation-id]");
    if (button) openConversation(button.dataset.conversationId);
  });
  ui.conversationScroller.addEventListener("scroll", () => {
    const s = ui.conversationScroller;
    if (s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_EDGE_PX) loadConversations();
  });
  ui.moreConversations.addEventListener("click", loadConversations);

  ui.messageScroller.addEventListener("scroll", () => {
    if (ui.messageScroller.scrollTop < NEAR_EDGE_PX) loadOlder();
  });
  ui.olderMessages.addEventListener("click", loadOlder);

  ui.rename.addEventListener("click", openRename);
  ui.renameCancel.addEventListener("click", () => closeRename({ focusButton: true }));
  ui.renameForm.addEventListener("submit", (event) => {
    event.preventDefault();
    rename();
  });
  ui.renameInput.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeRename({ focusButton: true });
  });
  ui.archive.addEventListener("click", toggleArchive);

  ui.retry.addEventListener("click", () => {
    const action = state.retryAction;
    if (action && !state.busy) action();
  });
  ui.dismiss.addEventListener("click", () => {
    hideFailure();
    ui.input.focus();
  });

  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submitMessage();
  });
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitMessage();
    }
  });
  ui.input.addEventListener("input", () => {
    autosize();
    updateSendButton();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.body.classList.contains("sidebar-open")) {
      closeSidebar({ focusToggle: true });
    }
  });

  window.addEventListener("hashchange", async () => {
    if (auth.mode === "token" && takeTokenFromFragment()) {
      if (ui.app.hidden) await enterApp();
      return;
    }
    const wanted = fragmentParams().get("conversation");
    if (auth.token && wanted && wanted !== state.current?.id) await openConversation(wanted);
  });

  setInterval(() => {
    if (auth.token) renderConversations();
  }, 60_000);
}

async function start() {
  configure({
    token: () => auth.token,
    onUnauthorized: () => signOut("Your session has ended. Sign in again."),
  });
  bind();
  restoreSession();
  if (auth.mode === "dev") ui.userId.value = rememberedUserId();
  if (auth.mode === "token") takeTokenFromFragment();
  if (auth.token) await enterApp();
  else showSignIn();
}

start();
