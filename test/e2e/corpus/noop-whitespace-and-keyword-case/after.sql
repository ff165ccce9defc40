create   table accounts
(
    id       integer   primary key,
    email    text      not null   unique,
    created_at text default current_timestamp,
    check ( email like '%@%' )
)  ;

create index accounts_created
    on accounts ( created_at desc )
    where created_at is not null;

-- a comment, and a view spread over lines
create view recent as
    select id, email
    from accounts
    where created_at > '2024-01-01';

create trigger accounts_lower after insert on accounts
begin
    update accounts set email = lower(new.email) where id = new.id;
end;
