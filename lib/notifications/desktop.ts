"use client";

// Desktop notifications, opt-in: a person turns them on once (the browser asks for permission)
// and is told when a build ends or a server is ready while Kiln's tab is in the background.

const PREFERENCE = "kiln:desktop-notifications";

export function desktopNotificationsSupported(): boolean {
  return typeof window !== "undefined" && "Notification" in window;
}

export function desktopNotificationsOn(): boolean {
  return desktopNotificationsSupported() && window.localStorage.getItem(PREFERENCE) === "on" && Notification.permission === "granted";
}

/** Turns them on (asking the browser's permission) or off; resolves with whether they are on. */
export async function setDesktopNotifications(on: boolean): Promise<boolean> {
  if (!on || !desktopNotificationsSupported()) {
    window.localStorage.removeItem(PREFERENCE);
    return false;
  }
  const permission = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
  if (permission !== "granted") return false;
  window.localStorage.setItem(PREFERENCE, "on");
  return true;
}

/** Shows a notification only when the person turned them on and is looking elsewhere. */
export function notifyInBackground(title: string, body: string): void {
  if (!desktopNotificationsOn() || document.visibilityState === "visible") return;
  try {
    const notification = new Notification(title, { body: body.slice(0, 300), tag: title });
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
  } catch {
    // Some browsers (Chrome on Android) allow only a service worker to notify: nothing shown, nothing broken.
  }
}
