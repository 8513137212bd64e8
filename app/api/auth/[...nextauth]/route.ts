import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/options";
import { hubLogoutUrl, signInDestination } from "@/lib/auth/redirect";
import { publicBaseUrl } from "@/lib/env";

type Context = { params: Promise<{ nextauth: string[] }> };

// Options are built per request so configuration is read at run time, not at build time.
async function handler(request: NextRequest, context: Context): Promise<Response> {
  const response: Response = await NextAuth(request, context, authOptions());
  const location = response.headers.get("location");
  if (!location || (await context.params).nextauth[0] !== "callback") return response;
  // Without its callback cookie next-auth sends a finished sign-in to the bare origin, bypassing
  // the redirect callback: the Hub's root, which starts the person's default server.
  const destination = signInDestination(location, publicBaseUrl(), hubLogoutUrl());
  if (destination === location) return response;
  const headers = new Headers(response.headers);
  headers.set("location", destination);
  return new Response(response.body, { status: response.status, headers });
}

export { handler as GET, handler as POST };
