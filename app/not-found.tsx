import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main" className="mx-auto max-w-md px-4 py-24 text-center">
      <h1 className="text-2xl font-semibold">Nothing here</h1>
      <p className="mt-2 text-stone-700 dark:text-stone-300">This page does not exist in Kiln.</p>
      <Link href="/" className="mt-6 inline-block font-medium text-kiln-700 underline underline-offset-4 dark:text-kiln-400">
        Go to Launch
      </Link>
    </main>
  );
}
