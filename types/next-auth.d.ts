import type { KilnUser } from "@/lib/auth/identity";

declare module "next-auth" {
  interface Session {
    kiln?: KilnUser;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    kiln?: KilnUser;
    /** The server-side session (lib/auth/sessions.ts) this cookie stands for. */
    sid?: string;
    /** The user's token from the Hub's OAuth, to re-check with the Hub that it still holds. */
    hubToken?: string;
  }
}
