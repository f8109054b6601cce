//! Refusals grouped by what they are about, so a sweep over many documents says which constructs
//! still stop the generator, and how often, instead of listing thousands of messages.

/// The kind of construct a located error is about, read from its pointer and message.
pub fn of(pointer: &str, message: &str) -> &'static str {
    let m = message;
    if m.starts_with("uses ") && m.ends_with("which is skipped") {
        "uses a skipped component"
    } else if m.contains("not valid YAML") || m.contains("not valid JSON") {
        "document syntax"
    } else if m.contains("not a valid OpenAPI") || m.contains("version") && pointer == "#/openapi" {
        "document structure"
    } else if m.contains("same route") {
        "routes differing only in parameter names"
    } else if m.contains("path segment")
        || m.contains("path template")
        || pointer.ends_with("}") && m.contains("path")
    {
        "path templates"
    } else if m.contains("multipart") || m.contains("media type") || m.contains("request bod") {
        "request bodies"
    } else if pointer.contains("/responses/") && (m.contains("response") || m.contains("content")) {
        "responses"
    } else if m.contains("parameter") || m.contains("style") || m.contains("explode") {
        "parameters"
    } else if m.contains("discriminat") {
        "discriminated unions"
    } else if m.contains("allOf")
        || m.contains("oneOf")
        || m.contains("anyOf")
        || m.contains("combines")
    {
        "schema composition"
    } else if m.contains("$ref") {
        "references"
    } else if m.contains("`not`") {
        "`not` schemas"
    } else if m.contains("security") || m.contains("scheme") {
        "security"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::of;

    #[test]
    fn messages_fall_into_their_construct() {
        assert_eq!(
            of("#", "the document is not valid JSON at line 3"),
            "document syntax"
        );
        assert_eq!(
            of(
                "#/paths/~1a/post/requestBody/content",
                "multipart request bodies are not supported"
            ),
            "request bodies"
        );
        assert_eq!(
            of(
                "#/components/schemas/A",
                "a schema that combines `properties` with `oneOf`"
            ),
            "schema composition"
        );
        assert_eq!(
            of(
                "#/paths/~1a~1{b}/get",
                "`GET /a/{b}` is the same route as #/paths/~1a~1{c}/get"
            ),
            "routes differing only in parameter names"
        );
        assert_eq!(
            of(
                "#/components/schemas/N/not",
                "`not` schemas are not supported"
            ),
            "`not` schemas"
        );
    }
}
