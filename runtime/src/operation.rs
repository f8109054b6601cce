//! The operations a generated server crate routes, as its document declares them: what request
//! logs, metrics and API references name a request by.

/// One operation of a document: its `operationId`, method and route template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The document's `operationId`.
    pub id: &'static str,
    /// The HTTP method, upper case (`GET`).
    pub method: &'static str,
    /// The route the generated router matches, as axum's `MatchedPath` reports it
    /// (`/webhooks/{id}`).
    pub route: &'static str,
}

/// The operation of `operations` that answers `method` on the matched `route`, if any (a probe
/// or another route merged beside the generated ones has none).
pub fn find(
    operations: &'static [Operation],
    method: &str,
    route: &str,
) -> Option<&'static Operation> {
    operations
        .iter()
        .find(|op| op.route == route && op.method.eq_ignore_ascii_case(method))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPERATIONS: &[Operation] = &[
        Operation {
            id: "listPets",
            method: "GET",
            route: "/pets",
        },
        Operation {
            id: "createPet",
            method: "POST",
            route: "/pets",
        },
        Operation {
            id: "getPet",
            method: "GET",
            route: "/pets/{id}",
        },
    ];

    #[test]
    fn finds_by_method_and_route() {
        assert_eq!(
            find(OPERATIONS, "POST", "/pets").map(|o| o.id),
            Some("createPet")
        );
        assert_eq!(
            find(OPERATIONS, "GET", "/pets/{id}").map(|o| o.id),
            Some("getPet")
        );
        assert_eq!(
            find(OPERATIONS, "get", "/pets").map(|o| o.id),
            Some("listPets")
        );
    }

    #[test]
    fn other_routes_and_methods_have_none() {
        assert_eq!(find(OPERATIONS, "DELETE", "/pets"), None);
        assert_eq!(find(OPERATIONS, "GET", "/healthz"), None);
        // The template, not a concrete path, is what matches.
        assert_eq!(find(OPERATIONS, "GET", "/pets/7"), None);
    }
}
