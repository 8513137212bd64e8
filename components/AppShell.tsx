import Link from "next/link";
import type { ReactNode } from "react";
import type { KilnUser } from "@/lib/auth/identity";
import { canModerate } from "@/lib/auth/permissions";
import { NavLinks, type NavItem } from "./NavLinks";
import { NotificationBell } from "./NotificationBell";
import { RouteFocus } from "./RouteFocus";
import { SignOutButton } from "./SignOutButton";

export function AppShell({ user, hubUrl, children }: { user: KilnUser; hubUrl: string; children: ReactNode }) {
  const items: NavItem[] = [
    { href: "/", label: "Launch" },
    { href: "/library", label: "Library" },
    { href: "/servers", label: "Servers" },
    ...(canModerate(user) ? [{ href: "/admin", label: "Admin" }] : []),
  ];
  return (
    <>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-stone-900"
      >
        Skip to content
      </a>
      <header className="border-b border-stone-200 bg-white/80 backdrop-blur dark:border-stone-800 dark:bg-stone-900/80">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight">
            <span aria-hidden className="inline-block size-6 rounded-md bg-gradient-to-br from-kiln-500 to-kiln-700" />
            Kiln
          </Link>
          <NavLinks items={items} />
          <div className="ml-auto flex items-center gap-3 text-sm">
            <NotificationBell />
            <a href={hubUrl} className="text-stone-600 underline-offset-4 hover:underline dark:text-stone-300">
              Hub home
            </a>
            <span className="flex items-center gap-2" data-testid="current-user">
              <span className="font-medium">{user.name}</span>
              {user.isAdmin && (
                <span className="rounded-full bg-kiln-100 px-2 py-0.5 text-xs font-medium text-kiln-700 dark:bg-kiln-700/30 dark:text-kiln-100">
                  admin
                </span>
              )}
            </span>
            <SignOutButton hubLogoutUrl={`${hubUrl}/logout`} />
          </div>
        </div>
      </header>
      <RouteFocus />
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 focus:outline-none">
        {children}
      </main>
      <footer className="mx-auto max-w-6xl px-4 pb-8 text-sm text-stone-600 dark:text-stone-300">
        <Link href="/api-reference" className="underline-offset-4 hover:underline">
          API reference
        </Link>
      </footer>
    </>
  );
}
