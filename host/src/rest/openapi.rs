//! The OpenAPI document's frame; the paths and schemas come from the handlers'
//! `#[utoipa::path]` annotations and the entity types in [`super::entities`].

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ferry REST API",
        description = "Kafka Connect's REST API as Ferry serves it: same paths, JSON shapes, status codes and error body.",
        license(name = "Apache-2.0")
    ),
    components(schemas(super::entities::ErrorMessage))
)]
struct Frame;

/// The document before routes are added.
pub fn base() -> utoipa::openapi::OpenApi {
    Frame::openapi()
}
