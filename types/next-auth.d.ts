import type { KilnUser } from "@/lib/auth/identity";

declare module "next-auth" {
  interface Session {
    kiln?: KilnUser;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    kiln?: KilnUser;
  }
}
