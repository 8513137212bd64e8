"use client";

import { useEffect, useState } from "react";
import { desktopNotificationsOn, desktopNotificationsSupported, setDesktopNotifications } from "@/lib/notifications/desktop";

/** "Notify me": one switch for every build and launch, remembered in this browser. */
export function DesktopNotifyToggle() {
  const [supported, setSupported] = useState(false);
  const [on, setOn] = useState(false);
  const [refused, setRefused] = useState(false);
  useEffect(() => {
    setSupported(desktopNotificationsSupported());
    setOn(desktopNotificationsOn());
  }, []);
  if (!supported) return null;
  return (
    <label className="flex items-center gap-2 text-sm">
      <input
        type="checkbox"
        checked={on}
        onChange={(event) => {
          const wanted = event.target.checked;
          void setDesktopNotifications(wanted).then((result) => {
            setOn(result);
            setRefused(wanted && !result);
          });
        }}
        className="size-4 accent-kiln-600"
      />
      Desktop notification when it is done, if this tab is in the background
      {refused && <span role="alert" className="text-amber-800 dark:text-amber-300">(the browser refused: allow notifications for this site in its settings)</span>}
    </label>
  );
}
