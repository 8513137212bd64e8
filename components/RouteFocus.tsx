"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useRef } from "react";

/**
 * After a client-side navigation, focus goes to the new page's heading, so keyboard and
 * screen-reader users start reading where the page starts (Next's route announcer says its
 * name). The first load keeps the browser's own focus (e.g. the Launch form's field).
 */
export function RouteFocus() {
  const pathname = usePathname();
  const search = useSearchParams().toString();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // The heading renders with the page, or a moment later on a slow machine, and may be
    // replaced once more (a loading state, then the page): a focused heading that left the
    // page hands focus to the new one. Focus that the person has put elsewhere is left alone.
    let tries = 0;
    let focused: HTMLElement | null = null;
    const timer = setInterval(() => {
      const heading = document.querySelector<HTMLElement>("main h1");
      const active = document.activeElement;
      const untouched = !active || active === document.body || active.closest("header") !== null;
      if (++tries > 100 || (!untouched && active !== focused)) return clearInterval(timer);
      if (!heading || focused?.isConnected) return;
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: false });
      focused = heading;
    }, 50);
    return () => clearInterval(timer);
  }, [pathname, search]);
  return null;
}
