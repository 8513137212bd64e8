-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "fetch_pins" TEXT[] DEFAULT ARRAY[]::TEXT[];
