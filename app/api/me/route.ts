import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";

export const GET = route(operations.me, async ({ user }) => user);
