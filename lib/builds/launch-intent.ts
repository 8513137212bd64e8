// "Build and launch" is remembered in this tab only, never in the URL: a link that started a
// server when opened would let any page make a visitor launch something.

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
