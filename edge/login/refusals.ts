/** What happens when the login server refuses a client: a structured log line and the directory's counter (/metrics). */
import { logEvent } from "../log.ts";
import { directoryStub, tryCall } from "../objects.ts";

export function onLoginRefused(env: Env, clientAddress: string): (code: number, reason: string) => void {
  return (code, reason) => {
    logEvent("info", "login", "login.refused", { code, reason, client: clientAddress });
    void tryCall("login: directory.noteLoginRefused", () => directoryStub(env).noteLoginRefused(code));
  };
}
