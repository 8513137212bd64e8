// "Build and launch" from the form is remembered in this tab only, never in the URL. Launch
// links (/v2/…) do start a server when opened, as Binder's do; that page makes its own
// same-origin request, so only a visible top-level page can start one, never an image or fetch.

const key = (buildId: string) => `kiln:launch-when-built:${buildId}`;

export function rememberLaunchIntent(buildId: string): void {
  sessionStorage.setItem(key(buildId), "1");
}

/** Whether this tab asked to launch the build once built; asking again answers false. */
export function takeLaunchIntent(buildId: string): boolean {
  const wanted = sessionStorage.getItem(key(buildId)) === "1";
  sessionStorage.removeItem(key(buildId));
  return wanted;
}
