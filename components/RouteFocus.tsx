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
    // The heading renders with the page, or a moment later on a slow machine; focus that the
    // person has already put somewhere else in the page is left alone.
    let tries = 0;
    const timer = setInterval(() => {
      const heading = document.querySelector<HTMLElement>("main h1");
      const active = document.activeElement;
      const untouched = !active || active === document.body || active.closest("header") !== null;
      if (heading || !untouched || ++tries > 100) clearInterval(timer);
      if (!heading || !untouched) return;
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: false });
    }, 50);
    return () => clearInterval(timer);
  }, [pathname, search]);
  return null;
}
