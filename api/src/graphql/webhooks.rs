//! Webhooks in GraphQL (admins only): `webhooks` with their latest
//! deliveries, `createWebhook` (which hands out the signing secret once)
//! and `deleteWebhook`. Deliveries are made by [`crate::webhook_delivery`].

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use masterplan_domain::validation::FieldError;
use masterplan_persistence::models::measure;
use masterplan_persistence::models::webhooks::{self as rows, DeliveryRow, WebhookRow};
use masterplan_persistence::writes::webhooks::{self as writes, NewWebhook};

use crate::error::ApiResult;
use crate::graphql::changes::encode_cursor;
use crate::graphql::context::{conn, loaders};
use crate::graphql::enums::AuditEntityType;
use crate::graphql::mutations::access::webhook_admin;
use crate::graphql::mutations::user_errors::UserError;
use crate::graphql::objects::Measure;
use crate::graphql::plans::resolve_plan;
use crate::ids::{decode_webhook, encode_webhook};

/// The longest URL a webhook may have.
const MAX_URL: usize = 2000;
/// Deliveries a `deliveries` list shows at most.
const MAX_DELIVERIES: i32 = 100;

/// A receiver of change events: every committed change it asks for is
/// POSTed to its URL as JSON, signed as the Standard Webhooks
/// specification says.
pub struct Webhook(pub WebhookRow);

#[Object]
impl Webhook {
    async fn id(&self) -> ID {
        encode_webhook(self.0.id)
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The entity types it gets changes of; null: every type.
    async fn entity_types(&self) -> Option<Vec<AuditEntityType>> {
        self.0
            .types()
            .map(|types| types.into_iter().map(Into::into).collect())
    }
    /// The measure it gets changes of (with its goals, KPIs and values); null: all.
    async fn measure(&self, ctx: &Context<'_>) -> ApiResult<Option<Measure>> {
        let Some(id) = self.0.measure_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.measure.load_one(id).await?.map(Measure::live))
    }
    /// False once deleted.
    async fn active(&self) -> bool {
        self.0.deleted_at.is_none()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }
    /// The token that created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// The newest deliveries first (at most 100).
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> ApiResult<WebhookDeliveries> {
        let first = first.clamp(0, MAX_DELIVERIES);
        let rows = loaders(ctx)?
            .webhook_deliveries
            .load_one((self.0.id, first))
            .await?
            .unwrap_or_default();
        Ok(WebhookDeliveries {
            nodes: rows.into_iter().map(WebhookDelivery).collect(),
        })
    }
}

#[derive(SimpleObject)]
pub struct WebhookDeliveries {
    pub nodes: Vec<WebhookDelivery>,
}

/// Where a delivery stands.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Not delivered yet; retried with growing waits.
    Pending,
    /// The receiver answered with a 2xx status.
    Delivered,
    /// Given up: still failing a day after the change, or the webhook was deleted.
    Failed,
}

/// One change sent (or to be sent) to one webhook.
pub struct WebhookDelivery(DeliveryRow);

#[Object]
impl WebhookDelivery {
    /// The change's cursor, as `ChangeEvent.cursor` and the delivered body say.
    async fn cursor(&self) -> String {
        encode_cursor(self.0.audit_id)
    }
    async fn status(&self) -> WebhookDeliveryStatus {
        match self.0.status.as_str() {
            rows::DELIVERED => WebhookDeliveryStatus::Delivered,
            rows::FAILED => WebhookDeliveryStatus::Failed,
            _ => WebhookDeliveryStatus::Pending,
        }
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Why the last attempt failed (a status, a timeout, a refused connection).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at.map(|t| t.and_utc())
    }
    /// When the next attempt is due, while pending.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == rows::PENDING).then(|| self.0.next_attempt_at.and_utc())
    }
}

/// The webhooks not deleted, oldest first (admins).
pub async fn webhooks(ctx: &Context<'_>) -> ApiResult<Vec<Webhook>> {
    webhook_admin(ctx)?;
    let mut conn = conn(ctx).await?;
    Ok(rows::list(&mut conn)
        .await?
        .into_iter()
        .map(Webhook)
        .collect())
}

#[derive(InputObject)]
pub struct CreateWebhookInput {
    pub client_mutation_id: Option<String>,
    /// Where to POST events: an `http://` URL (the server speaks no TLS).
    pub url: String,
    /// Only changes of these types; left out: every type.
    pub entity_types: Option<Vec<AuditEntityType>>,
    /// Only changes of this measure (`1.2`) and its goals, KPIs and values.
    pub measure: Option<String>,
    /// The measure's plan; may be left out while there is one plan.
    pub plan: Option<String>,
}

/// The new webhook and its signing secret, which is shown this once.
#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    pub webhook: Option<Webhook>,
    /// `whsec_…`: the key of the `webhook-signature` HMAC (Standard Webhooks).
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
    pub client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub struct DeleteWebhookInput {
    pub client_mutation_id: Option<String>,
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct DeleteWebhookPayload {
    pub deleted_webhook_id: Option<ID>,
    pub user_errors: Vec<UserError>,
    pub client_mutation_id: Option<String>,
}

/// What is wrong with a webhook URL, if anything.
fn url_problem(url: &str) -> Option<String> {
    if url.chars().count() > MAX_URL {
        return Some(format!("must be at most {MAX_URL} characters"));
    }
    let Ok(uri) = url.parse::<axum::http::Uri>() else {
        return Some("is not a URL".to_owned());
    };
    match (uri.scheme_str(), uri.host()) {
        (Some("http"), Some(host)) if !host.is_empty() => None,
        (Some("https"), _) => Some(
            "must be an http:// URL: this server makes no TLS connections (put a TLS proxy in front of the receiver)"
                .to_owned(),
        ),
        _ => Some("must be an http:// URL with a host".to_owned()),
    }
}

/// `whsec_` and 24 random bytes in base64.
fn new_secret() -> String {
    let mut key = [0_u8; 24];
    getrandom::fill(&mut key).expect("the OS has randomness");
    format!("whsec_{}", STANDARD.encode(key))
}

#[derive(Default)]
pub struct WebhookMutations;

#[Object]
impl WebhookMutations {
    /// Registers a receiver of change events (admins). Every committed
    /// change it asks for is POSTed to it in order, at least once, signed
    /// with the returned secret; failures are retried with growing waits
    /// for up to a day.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> ApiResult<CreateWebhookPayload> {
        let actor = webhook_admin(ctx)?;
        let mut errors: Vec<UserError> = Vec::new();
        if let Some(problem) = url_problem(input.url.trim()) {
            errors.push(FieldError::invalid(&["url"], format!("`url` {problem}")).into());
        }
        if input.entity_types.as_ref().is_some_and(Vec::is_empty) {
            errors.push(
                FieldError::invalid(&["entityTypes"], "give at least one type, or leave it out")
                    .into(),
            );
        }
        let mut measure_id = None;
        if let Some(code) = &input.measure {
            let plan = resolve_plan(ctx, input.plan.as_deref()).await?;
            let mut conn = conn(ctx).await?;
            let audience = crate::graphql::context::audience(ctx);
            match measure::find_by_code(&mut conn, plan.id, code, audience).await? {
                Some(found) => measure_id = Some(found.id),
                None => errors.push(
                    FieldError::not_found(
                        &["measure"],
                        format!("no measure {code:?} in plan {:?}", plan.slug),
                    )
                    .into(),
                ),
            }
        }
        if !errors.is_empty() {
            return Ok(CreateWebhookPayload {
                webhook: None,
                secret: None,
                user_errors: errors,
                client_mutation_id: input.client_mutation_id,
            });
        }
        let new = NewWebhook {
            url: input.url.trim().to_owned(),
            entity_types: input
                .entity_types
                .map(|types| types.into_iter().map(Into::into).collect()),
            measure_id,
            secret: new_secret(),
            created_by: actor.name,
        };
        let mut conn = conn(ctx).await?;
        let row = writes::create(&mut conn, &new).await?;
        Ok(CreateWebhookPayload {
            secret: Some(row.secret.clone()),
            webhook: Some(Webhook(row)),
            user_errors: Vec::new(),
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes a webhook (admins): it gets nothing more; its pending
    /// deliveries are given up.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        input: DeleteWebhookInput,
    ) -> ApiResult<DeleteWebhookPayload> {
        webhook_admin(ctx)?;
        let not_found = || {
            vec![UserError::from(FieldError::not_found(
                &["id"],
                format!("no webhook {:?}", input.id.0),
            ))]
        };
        let deleted = match decode_webhook(&input.id) {
            Some(id) => {
                let mut conn = conn(ctx).await?;
                writes::delete(&mut conn, id).await?
            }
            None => None,
        };
        Ok(DeleteWebhookPayload {
            deleted_webhook_id: deleted.as_ref().map(|_| input.id.clone()),
            user_errors: if deleted.is_some() {
                Vec::new()
            } else {
                not_found()
            },
            client_mutation_id: input.client_mutation_id,
        })
    }
}
