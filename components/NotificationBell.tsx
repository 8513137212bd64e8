"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";
import { formatDateTime } from "@/lib/format";
import { fetchNotifications, markAllRead, notificationKeys } from "@/lib/notifications/client";

/** What moderators did that concerns this person, with a count of the unread; polled while open. */
export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const container = useRef<HTMLDivElement>(null);
  const client = useQueryClient();
  const notifications = useQuery({ queryKey: notificationKeys.all, queryFn: fetchNotifications, refetchInterval: 30_000 });
  const readAll = useMutation({ mutationFn: markAllRead, onSuccess: (data) => client.setQueryData(notificationKeys.all, data) });
  const unread = notifications.data?.unread ?? 0;

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !container.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  return (
    <div ref={container} className="relative">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}
        data-testid="notification-bell"
        onClick={() => setOpen((value) => !value)}
        className="relative rounded-md p-1.5 text-stone-700 hover:bg-stone-100 dark:text-stone-300 dark:hover:bg-stone-800"
      >
        <svg aria-hidden viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="1.8">
          <path d="M6 8a6 6 0 1 1 12 0c0 7 3 8 3 8H3s3-1 3-8" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {unread > 0 && (
          <span data-testid="notification-count" className="absolute -right-1 -top-1 min-w-5 rounded-full bg-kiln-600 px-1 text-center text-xs font-semibold leading-5 text-white">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {open && (
        <div
          id={panelId}
          role="region"
          aria-label="Notifications"
          // On a phone the bell sits at the left of a wrapped header: the panel spans the screen.
          className="fixed inset-x-4 top-28 z-40 rounded-xl sm:absolute sm:inset-x-auto sm:right-0 sm:top-auto sm:mt-2 sm:w-96 border border-stone-200 bg-white p-3 shadow-lg dark:border-stone-700 dark:bg-stone-900"
        >
          <div className="mb-2 flex items-center justify-between">
            <h2 className="text-sm font-semibold">Notifications</h2>
            {unread > 0 && (
              <button type="button" onClick={() => readAll.mutate()} className="text-xs underline underline-offset-2">
                Mark all read
              </button>
            )}
          </div>
          {notifications.isError ? (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400">{notifications.error.message}</p>
          ) : notifications.isPending ? (
            <p className="text-sm text-stone-600 dark:text-stone-400" data-testid="notifications-loading">
              Loading your notifications…
            </p>
          ) : !notifications.data.notifications.length ? (
            <p className="text-sm text-stone-600 dark:text-stone-400">Nothing yet. When a moderator acts on your images or your reports, you will read it here.</p>
          ) : (
            <ul className="max-h-96 space-y-2 overflow-y-auto" data-testid="notifications">
              {notifications.data.notifications.map((item) => (
                <li key={item.id} className={`rounded-md p-2 text-sm ${item.read ? "" : "bg-kiln-50 dark:bg-kiln-700/20"}`} data-testid="notification">
                  <p className="break-words">{item.text}</p>
                  <p className="mt-1 flex gap-3 text-xs text-stone-600 dark:text-stone-400">
                    <span>{formatDateTime(item.createdAt)}</span>
                    {item.link.startsWith("/") && !item.link.startsWith("//") && (
                      <Link href={item.link} onClick={() => setOpen(false)} className="underline underline-offset-2">
                        Open
                      </Link>
                    )}
                    {!item.read && <span className="sr-only">(unread)</span>}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
