// Tables that become stacked cards on a phone: each cell shows its column's name (data-label)
// before its value, so nothing is wider than a 390 px screen.

export const cardTable = "w-full table-fixed text-left text-sm max-sm:block";
export const cardHead = "text-xs text-stone-600 max-sm:sr-only dark:text-stone-400";
export const cardRow = "border-t border-stone-100 align-top max-sm:block max-sm:py-2 dark:border-stone-800";
export const cardCell =
  "px-2 py-3 max-sm:block max-sm:px-4 max-sm:py-1 max-sm:before:mr-2 max-sm:before:font-medium max-sm:before:text-stone-600 max-sm:before:content-[attr(data-label)] dark:max-sm:before:text-stone-400";
