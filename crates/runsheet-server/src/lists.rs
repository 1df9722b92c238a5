//! GET on a collection: a page of the list when the query asks for one (with `X-Total-Count`
//! and `Link`), else the whole list as before paging existed, streamed a chunk at a time
//! when it does not fit in one, so that memory stays flat whatever the list's length.

use crate::error::ApiError;
use crate::request::{ApiRequest, ApiResult};
use crate::resources::Listed;
use crate::response::ApiResponse;
use actix_web::http::header::{HeaderName, LINK};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use futures_util::stream::{self, StreamExt};
use runsheet_core::paging::{Paging, Window};
use runsheet_format::{render, Key, ListWriter, RenderOptions};
use runsheet_store::{AnyConnection, StoreError};
use std::collections::HashSet;

pub const X_TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// How many records a streamed list loads and renders at a time (tests make it small).
pub const CHUNK: usize = 1000;

/// The records of a list, a chunk at a time, in the list's order.
pub trait Chunks<R>: Send {
    /// The next records; none once the list is done.
    fn next(&mut self, conn: &mut AnyConnection) -> Result<Vec<R>, StoreError>;
    /// Whether every record has been read.
    fn done(&self) -> bool;
}

type Load<F, R> = fn(&mut AnyConnection, &F) -> Result<Vec<R>, StoreError>;

/// A list loaded in one go: lists that stay short (users, apps, ...).
pub struct AllAtOnce<F, R> {
    filter: F,
    load: Load<F, R>,
    done: bool,
}

impl<F, R> AllAtOnce<F, R> {
    pub fn new(filter: F, load: Load<F, R>) -> Self {
        AllAtOnce {
            filter,
            load,
            done: false,
        }
    }
}

impl<F: Send, R> Chunks<R> for AllAtOnce<F, R> {
    fn next(&mut self, conn: &mut AnyConnection) -> Result<Vec<R>, StoreError> {
        if self.done {
            return Ok(Vec::new());
        }
        let records = (self.load)(conn, &self.filter)?;
        self.done = true;
        Ok(records)
    }

    fn done(&self) -> bool {
        self.done
    }
}

type Page<F, R> = fn(&mut AnyConnection, &F, &Window) -> Result<Vec<R>, StoreError>;

/// A list in id order, read by keyset (`id > last`, `size` at a time): each chunk is an
/// index range, however deep, and nothing but the last id is kept between chunks.
pub struct ById<F, R> {
    filter: F,
    page: Page<F, R>,
    id: fn(&R) -> i64,
    size: usize,
    last: Option<i64>,
    done: bool,
}

impl<F, R> ById<F, R> {
    pub fn new(filter: F, size: usize, page: Page<F, R>, id: fn(&R) -> i64) -> Self {
        ById {
            filter,
            page,
            id,
            size: size.max(1),
            last: None,
            done: false,
        }
    }
}

impl<F: Send, R> Chunks<R> for ById<F, R> {
    fn next(&mut self, conn: &mut AnyConnection) -> Result<Vec<R>, StoreError> {
        if self.done {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(self.size).unwrap_or(i64::MAX);
        let records = (self.page)(conn, &self.filter, &Window::after(self.last, limit))?;
        self.done = records.len() < self.size;
        if let Some(last) = records.last() {
            self.last = Some((self.id)(last));
        }
        Ok(records)
    }

    fn done(&self) -> bool {
        self.done
    }
}

/// A list in an order other than by id (steps: by request, then position). Its first
/// chunk is read as a page of the list: most lists fit in one, and are then read in one
/// statement. A longer list is read on from the ids of the whole list in its order, `size`
/// records at a time: eight bytes a record instead of the kilobytes a loaded record takes.
pub struct ByIds<F, R> {
    filter: F,
    first: Page<F, R>,
    id: fn(&R) -> i64,
    ids_of: fn(&mut AnyConnection, &F) -> Result<Vec<i64>, StoreError>,
    load: fn(&mut AnyConnection, &[i64]) -> Result<Vec<R>, StoreError>,
    size: usize,
    /// The ids after the first chunk, once it is read.
    ids: Option<Vec<i64>>,
    read: usize,
}

impl<F, R> ByIds<F, R> {
    pub fn new(
        filter: F,
        size: usize,
        first: Page<F, R>,
        id: fn(&R) -> i64,
        ids_of: fn(&mut AnyConnection, &F) -> Result<Vec<i64>, StoreError>,
        load: fn(&mut AnyConnection, &[i64]) -> Result<Vec<R>, StoreError>,
    ) -> Self {
        ByIds {
            filter,
            first,
            id,
            ids_of,
            load,
            size: size.max(1),
            ids: None,
            read: 0,
        }
    }

    /// The first chunk, and the ids of the records after it.
    fn read_first(&self, conn: &mut AnyConnection) -> Result<(Vec<R>, Vec<i64>), StoreError> {
        let limit = i64::try_from(self.size).unwrap_or(i64::MAX);
        let window = Window {
            limit: Some(limit),
            ..Window::ALL
        };
        let records = (self.first)(conn, &self.filter, &window)?;
        if records.len() < self.size {
            return Ok((records, Vec::new()));
        }
        // The ids are read after the chunk, and the list may have changed between: a record
        // already listed is left out, so that none is listed twice.
        let listed: HashSet<i64> = records.iter().map(self.id).collect();
        let mut ids = (self.ids_of)(conn, &self.filter)?;
        ids.retain(|id| !listed.contains(id));
        Ok((records, ids))
    }
}

impl<F: Send, R> Chunks<R> for ByIds<F, R> {
    fn next(&mut self, conn: &mut AnyConnection) -> Result<Vec<R>, StoreError> {
        let Some(ids) = &self.ids else {
            let (records, ids) = self.read_first(conn)?;
            self.ids = Some(ids);
            return Ok(records);
        };
        let end = ids.len().min(self.read + self.size);
        let chunk = &ids[self.read.min(end)..end];
        self.read = end;
        // A record deleted since its id was read is left out; the chunk may come back short.
        (self.load)(conn, chunk)
    }

    fn done(&self) -> bool {
        self.ids.as_ref().is_some_and(|ids| self.read >= ids.len())
    }
}

/// GET on the collection of `R`.
pub async fn answer<R: Listed>(api: &ApiRequest, filter: R::Filter, paging: Paging) -> ApiResult {
    match paging {
        Paging::All => whole::<R>(api, filter).await,
        paging => page::<R>(api, filter, paging).await,
    }
}

/// One page, with the count of the whole list and links to the pages beside it. A page
/// past the end is empty, and an empty list is a 404, as the original answered.
async fn page<R: Listed>(api: &ApiRequest, filter: R::Filter, paging: Paging) -> ApiResult {
    let (options, format) = (*api.options(), api.format);
    let (body, last_id, more, total) = api
        .db(move |conn| {
            let (records, more) = paging.page_of(R::page(conn, &filter, &paging.window())?);
            let Some(last) = records.last() else {
                return Ok((Vec::new(), None, more, 0));
            };
            let total = R::count(conn, &filter)?;
            let body = render(format, R::PLURAL, &options, |out, name| {
                out.list(
                    Key::data(name),
                    R::SINGULAR,
                    &records,
                    |out, item, record| R::write(out, item.as_str(), record, &options),
                )
            });
            Ok((body, Some(R::id(last)), more, total))
        })
        .await?;
    if last_id.is_none() {
        return Err(api.fail(ApiError::NotFound));
    }
    let links: Vec<String> = [
        (paging.next(more, last_id), "next"),
        (paging.prev(), "prev"),
    ]
    .into_iter()
    .filter_map(|(to, rel)| Some(api.link(to?, rel)))
    .collect();
    let mut response =
        ApiResponse::bytes(StatusCode::OK, format, body).header(X_TOTAL_COUNT, total.to_string());
    if !links.is_empty() {
        response = response.header(LINK, links.join(", "));
    }
    Ok(response)
}

/// The whole list. The first chunk is read before answering, so that an empty list can
/// still be a 404; a list that fits in it is answered at once (with its ETag), a longer one
/// streamed: each further chunk is loaded and rendered on the blocking pool when the
/// client has taken the one before, with a pooled connection held for that chunk only.
async fn whole<R: Listed>(api: &ApiRequest, filter: R::Filter) -> ApiResult {
    let state = api.shared_state();
    let cursor = Cursor::<R> {
        chunks: R::chunks(filter, state.list_chunk),
        writer: ListWriter::new(api.format, R::PLURAL, R::SINGULAR, *api.options()),
        options: *api.options(),
    };
    let (first, items, rest) = api.db(move |conn| cursor.read(conn)).await?;
    if items == 0 {
        return Err(api.fail(ApiError::NotFound));
    }
    let Some(rest) = rest else {
        return Ok(ApiResponse::bytes(StatusCode::OK, api.format, first));
    };
    let rest = stream::unfold(Some(rest), move |cursor| {
        let state = state.clone();
        async move {
            let cursor = cursor?;
            match state.db(move |conn| cursor.read(conn)).await {
                Ok((bytes, _, next)) => Some((Ok(Bytes::from(bytes)), next)),
                // The status has gone: all that is left is to break the body off, so that
                // the client sees a truncated answer rather than a short list.
                Err(error) => {
                    tracing::error!(?error, "a streamed list failed");
                    Some((
                        Err(std::io::Error::other("the list could not be read")),
                        None,
                    ))
                }
            }
        }
    });
    let body = stream::once(async move { Ok(Bytes::from(first)) }).chain(rest);
    Ok(ApiResponse::stream(api.format, body))
}

/// Where a streamed list is: what is left to read, and how to write it.
struct Cursor<R: Listed> {
    chunks: Box<dyn Chunks<R::Record>>,
    writer: ListWriter,
    options: RenderOptions,
}

impl<R: Listed> Cursor<R> {
    /// The bytes of the next chunk, how many records they hold, and the cursor to go on
    /// with (`None` once the list is done: the bytes then end it).
    fn read(
        mut self,
        conn: &mut AnyConnection,
    ) -> Result<(Vec<u8>, usize, Option<Self>), StoreError> {
        // A chunk may come back empty (its records deleted since their ids were read): read
        // on, so that a list is never taken for empty while records follow.
        let records = loop {
            let records = self.chunks.next(conn)?;
            if !records.is_empty() || self.chunks.done() {
                break records;
            }
        };
        let options = self.options;
        let mut bytes = self.writer.items(&records, |out, name, record| {
            R::write(out, name, record, &options)
        });
        if self.chunks.done() {
            bytes.extend(self.writer.finish());
            return Ok((bytes, records.len(), None));
        }
        Ok((bytes, records.len(), Some(self)))
    }
}
