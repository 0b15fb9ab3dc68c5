// Who the page signs in as, kept across reloads, and the address fragment it reads and writes.
//
// dev mode: a user id, exchanged for a token at POST /dev/token; kept in localStorage.
// token mode (clerk): a token pasted by the person or handed by an embedding app in the address
// fragment, `#token=...`; kept in sessionStorage only.

export const auth = {
  mode: document.body.dataset.auth === "dev" ? "dev" : "token",
  token: null,
  userId: null,
};

const SESSION_KEY = "parley.session";
const USER_ID_KEY = "parley.userId";

function storage() {
  return auth.mode === "dev" ? localStorage : sessionStorage;
}

export function keepSession(token, userId = null) {
  auth.token = token;
  auth.userId = userId;
  storage().setItem(SESSION_KEY, JSON.stringify({ token, userId }));
  if (userId) localStorage.setItem(USER_ID_KEY, userId);
}

export function restoreSession() {
  try {
    const saved = JSON.parse(storage().getItem(SESSION_KEY) || "null");
    if (saved?.token) {
      auth.token = saved.token;
      auth.userId = saved.userId || null;
    }
  } catch {
    storage().removeItem(SESSION_KEY);
  }
}

export function forgetSession() {
  auth.token = null;
  storage().removeItem(SESSION_KEY);
}

export function rememberedUserId() {
  return localStorage.getItem(USER_ID_KEY) || "";
}

export function fragmentParams() {
  return new URLSearchParams(location.hash.slice(1));
}

export function setFragment(params) {
  const text = params.toString();
  history.replaceState(null, "", text ? `#${text}` : location.pathname + location.search);
}

export function setFragmentValue(name, value) {
  const params = fragmentParams();
  if (value === null) params.delete(name);
  else params.set(name, value);
  setFragment(params);
}

// An embedding app hands its token in the fragment, `#token=...`: it never reaches the server's
// logs, and leaves the address at once. Handing a new one later replaces it.
export function takeTokenFromFragment() {
  const token = fragmentParams().get("token");
  if (!token) return false;
  setFragmentValue("token", null);
  keepSession(token);
  return true;
}

// The token's claims, for showing who is signed in (the server alone checks them).
export function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}
