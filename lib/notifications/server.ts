import "server-only";
import type { KilnUser } from "@/lib/auth/identity";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { NotificationsResponse } from "./schema";

type Writer = Pick<Prisma.TransactionClient, "notification">;

/** Tells a person something (in the same transaction as what it reports, when given one). */
export async function notify(writer: Writer, userId: number, text: string, link = ""): Promise<void> {
  await writer.notification.create({ data: { userId, text, link } });
}

const SHOWN = 30;

export async function listNotifications(viewer: KilnUser): Promise<NotificationsResponse> {
  const where = { user: { name: viewer.name } };
  const [rows, unread] = await Promise.all([
    db().notification.findMany({ where, orderBy: { id: "desc" }, take: SHOWN }),
    db().notification.count({ where: { ...where, readAt: null } }),
  ]);
  return {
    unread,
    notifications: rows.map((row) => ({ id: row.id, text: row.text, link: row.link, createdAt: row.createdAt.toISOString(), read: row.readAt !== null })),
  };
}

export async function markRead(viewer: KilnUser, ids: number[] | "all"): Promise<void> {
  await db().notification.updateMany({
    where: { user: { name: viewer.name }, readAt: null, ...(ids === "all" ? {} : { id: { in: ids } }) },
    data: { readAt: new Date() },
  });
}
