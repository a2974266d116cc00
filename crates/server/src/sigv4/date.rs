//! Request times: ISO 8601 basic (`yyyymmddThhmmssZ`) and HTTP dates, to and from epoch
//! seconds, with plain integer arithmetic (proleptic Gregorian, UTC).

/// `yyyymmddThhmmssZ` for a time in seconds since the Unix epoch.
pub(super) fn amz_date_secs(secs: i64) -> String {
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let second_of_day = secs.rem_euclid(86_400);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// `yyyymmddThhmmssZ` to epoch seconds; `None` unless every field is in range.
pub(super) fn parse_iso_basic(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let (month, day) = (digits(b, 4, 2)?, digits(b, 6, 2)?);
    let (hour, minute, second) = (digits(b, 9, 2)?, digits(b, 11, 2)?, digits(b, 13, 2)?);
    epoch_secs(year, month, day, hour, minute, second)
}

/// RFC 9110's IMF-fixdate, `Sun, 30 Aug 2015 12:36:00 GMT`, to epoch seconds.
pub(super) fn parse_http_date(s: &str) -> Option<i64> {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = s.as_bytes();
    if b.len() != 29
        || !WEEKDAYS.contains(&s.get(..3)?)
        || s.get(3..5)? != ", "
        || s.get(25..)? != " GMT"
    {
        return None;
    }
    if b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || b[19] != b':' || b[22] != b':' {
        return None;
    }
    let month = MONTHS.iter().position(|m| Some(*m) == s.get(8..11))?;
    let month = i64::try_from(month).ok()? + 1;
    let (day, year) = (digits(b, 5, 2)?, digits(b, 12, 4)?);
    let (hour, minute, second) = (digits(b, 17, 2)?, digits(b, 20, 2)?, digits(b, 23, 2)?);
    epoch_secs(year, month, day, hour, minute, second)
}

fn digits(b: &[u8], start: usize, len: usize) -> Option<i64> {
    b.get(start..start + len)?.iter().try_fold(0i64, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

fn epoch_secs(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> Option<i64> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amz_date(ms: i64) -> String {
        amz_date_secs(ms.div_euclid(1000))
    }

    #[test]
    fn amz_dates_match_the_time_crate() {
        let format =
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
        let mut ms: i64 = 0;
        while ms < 253_402_300_799_000 {
            let expected = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
                .unwrap()
                .format(&format)
                .unwrap();
            assert_eq!(amz_date(ms), expected);
            assert_eq!(parse_iso_basic(&expected), Some(ms.div_euclid(1000)));
            ms = ms * 3 + 86_399_999;
        }
        assert_eq!(amz_date(1_440_938_160_000), "20150830T123600Z");
        assert_eq!(amz_date(1_440_938_160_999), "20150830T123600Z");
        assert_eq!(amz_date(-1), "19691231T235959Z");
        assert_eq!(amz_date(951_782_400_000), "20000229T000000Z");
    }

    #[test]
    fn iso_basic_dates_must_be_exact() {
        assert_eq!(parse_iso_basic("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(parse_iso_basic("20160229T000000Z"), Some(1_456_704_000));
        for bad in [
            "",
            "20150830T123600",
            "20150830T123600z",
            "20150830 123600Z",
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "20150229T000000Z",
            "21000229T000000Z",
            "20150831T240000Z",
            "20150831T126000Z",
            "20150831T123660Z",
            "20150800T123600Z",
            "+0150830T123600Z",
            "２0150830T12360Z",
        ] {
            assert_eq!(parse_iso_basic(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_dates_parse() {
        assert_eq!(
            parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"),
            Some(1_440_938_160)
        );
        assert_eq!(
            parse_http_date("Mon, 09 Sep 2011 23:36:00 GMT"),
            Some(1_315_611_360)
        );
        for bad in [
            "Sun, 30 Aug 2015 12:36:00 UTC",
            "Sunday, 30-Aug-15 12:36:00 GMT",
            "Sun Aug 30 12:36:00 2015",
            "Sun, 31 Sep 2015 12:36:00 GMT",
            "Xyz, 30 Aug 2015 12:36:00 GMT",
            "Sun, 30 Aug 2015 12-36-00 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }
}
