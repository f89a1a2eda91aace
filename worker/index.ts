/** The Worker's entry: the HTTP app and the Durable Object classes it binds (wrangler.toml). */
import { app } from "./app.ts";

export { ChatLimiter } from "../durable-objects/chat-limiter.ts";
export { Directory } from "../durable-objects/directory/object.ts";
export { LoginGateway } from "../durable-objects/login-gateway/object.ts";
export { LoginLimiter } from "../durable-objects/login-limiter.ts";
export { Results } from "../durable-objects/results/object.ts";
export { Room } from "../durable-objects/room/object.ts";

export default app;
