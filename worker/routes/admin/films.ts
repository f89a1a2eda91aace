/** /admin/films: deleting a film (its file in R2, then its row). */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { deleteFilm } from "../../../edge/films.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { errors } from "./schemas.ts";

const FilmIdParam = z.object({
  id: z
    .string()
    .uuid()
    .openapi({ param: { name: "id", in: "path" } }),
});

export const films = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

films.openapi(
  createRoute({
    method: "delete",
    path: "/films/{id}",
    summary: "Delete a film",
    request: { params: FilmIdParam },
    responses: {
      200: {
        description: "Deleted",
        content: { "application/json": { schema: z.object({ deleted: z.string() }) } },
      },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    if (!(await deleteFilm(c.env, id))) httpError(404, "no such film");
    return c.json({ deleted: id }, 200);
  },
);
