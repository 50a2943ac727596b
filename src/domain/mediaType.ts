export interface MediaType {
  readonly essence: string
  readonly charset: string | null
}

/** `Content-Type: Application/JSON; charset=UTF-8` → `{ essence: "application/json", charset: "utf-8" }`. */
export const parseMediaType = (contentType: string | null): MediaType => {
  if (contentType === null) return { essence: "", charset: null }
  const [essence = "", ...parameters] = contentType.split(";")
  const charset = parameters
    .map((parameter) => parameter.trim().split("="))
    .find(([name]) => name?.trim().toLowerCase() === "charset")?.[1]
  return {
    essence: essence.trim().toLowerCase(),
    charset: charset === undefined ? null : charset.trim().replace(/^"|"$/g, "").toLowerCase()
  }
}

export const isJson = (essence: string): boolean =>
  essence === "application/json" || essence === "text/json" || essence.endsWith("+json")
