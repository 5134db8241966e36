//! Puts an operation's complexity, as the validator computed it, on the
//! `graphql` span (see [`crate::http`]); installed only where traces are
//! exported (see [`crate::schema::build_schema`]).

use std::sync::Arc;

use async_graphql::ValidationResult;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};

/// The extension (`Schema::build(…).extension(OperationSpan)`).
pub struct OperationSpan;

impl ExtensionFactory for OperationSpan {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationSpan)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for OperationSpan {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<async_graphql::ServerError>> {
        let result = next.run(ctx).await?;
        let span = tracing::Span::current();
        span.record("complexity", result.complexity);
        Ok(result)
    }
}
